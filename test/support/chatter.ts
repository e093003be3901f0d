/**
 * Ordinary group chatter in the six languages of the lexicons, for generated
 * exports and the signals benchmark: greetings, plans, prices, dates, order
 * numbers and times, none of which is personal data or intent (the tests that
 * use it check that). Texts vary with the message number, so nothing in the
 * pipeline can get away with seeing one sentence twenty thousand times.
 */
const LINES = [
  'anyone know when the next meetup is?',
  'lol that was hilarious 😂😂',
  'good morning everyone, coffee first',
  'the match starts at 8pm tonight, who is watching',
  'I paid 25 dollars for the tickets, worth it',
  'meeting moved to 14/03/2024 at 10:30',
  'my parcel finally arrived today, thanks for the tip',
  'see you all at the station around 10:30',
  'did anyone finish the homework for chapter 7?',
  'this song has been stuck in my head for 3 days',
  'selamat pagi semua, semangat ya hari ini',
  'nanti malam jadi nonton bareng nggak?',
  'besok libur nggak sih? bingung',
  'udah makan belum? aku lapar banget',
  'macet parah di tol tadi pagi, 2 jam di jalan',
  'terima kasih semua atas bantuannya',
  'jom makan malam sama-sama nanti',
  'cuaca panas gila hari ni, tak tahan',
  'mirëmëngjes të gjithëve',
  'shihemi nesër në mbrëmje te kafja',
  'faleminderit për ndihmën, shumë e mirë',
  '오늘 날씨 진짜 좋다',
  '내일 몇 시에 만나? 2시 괜찮아?',
  '다들 점심 먹었어? 나는 아직',
  '大家早上好',
  '今天天气不错，适合出去走走',
  '周末一起去吃饭吧，7点怎么样',
  'ok',
  'haha',
  'ya betul tu',
];

const TAILS = ['', '', '', ' 👍', ' !!', ' :)', ' lol', ' (2)', ' ...', ' 🙏'];

/** A chatter line for message n; deterministic. */
export function chatterLine(n: number): string {
  const line = LINES[(n * 7919) % LINES.length]!;
  return line + TAILS[(n * 31) % TAILS.length]!;
}

export const CHATTER_LINES: readonly string[] = LINES;
