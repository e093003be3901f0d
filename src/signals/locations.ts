/**
 * Addresses and schools, found only where a keyword anchors them: street words
 * (Jl./Jalan/Gang, street/road, Rruga), Indonesian RT/RW and district words,
 * Korean and Chinese administrative units from a closed list of regions, and
 * school words (SMA Negeri 3 …, … High School, …고등학교, …中学). Precision
 * over recall: a location is evidence of doxxing only if it is one.
 * Results are the matched text, trimmed, de-duplicated.
 */

const CAP = "[A-Z0-9][\\p{L}\\p{N}'’/-]*";
/** A capitalised street-name word that is not the start of "No. 12" or "RT 03". */
const STREET_WORD = `(?!(?:No|RT|RW)\\b)${CAP}`;
const CAP_WORD = "[A-Z][\\p{L}'’-]+";

/** "Jl. Melati Fiktif No. 12 RT 03/RW 05", "Gang Mawar 2", "Jalan SS 2/24", "Lorong Contoh". */
const ID_STREET = new RegExp(
  `(?<![\\p{L}])(?:Jl|Jln|jl|jln|Jalan|Gg|Gang|Lorong|Lrg)\\.?\\s+(?:${STREET_WORD}\\.?\\s?){1,5}` +
    '(?:,?\\s*No\\.?\\s*\\d+[A-Za-z]?)?(?:,?\\s*RT\\.?\\s*\\d{1,3}\\s*/?\\s*RW\\.?\\s*\\d{1,3})?',
  'gu',
);
const RT_RW = /(?<![\p{L}])(?:RT\.?\s*\d{1,3}\s*\/?\s*RW\.?\s*\d{1,3}|RT\/RW\s*\d{1,3}\/\d{1,3})(?![\p{N}])/gu;
const ID_DISTRICT = new RegExp(
  `(?<![\\p{L}])(?:Kecamatan|Kelurahan|Kec\\.|Kel\\.|Desa|Kabupaten|Kab\\.)\\s*${CAP_WORD}(?:\\s+${CAP_WORD}){0,2}`,
  'gu',
);
/** Malaysian housing estates: "Taman Contoh", capitalised (lowercase "taman" is any park). */
const MY_ESTATE = new RegExp(`(?<![\\p{L}])Taman\\s+${CAP_WORD}(?:\\s+${CAP}){0,2}`, 'gu');
/** "12 Example Street", "221B Fictional Road". */
const EN_STREET = new RegExp(
  `(?<![\\p{L}\\p{N}])\\d{1,5}[A-Za-z]?,?\\s+(?:${CAP_WORD}\\s+){1,3}(?:Street|St\\.?|Road|Rd\\.?|Avenue|Ave\\.?|Lane|Ln\\.?|Drive|Close|Way|Crescent|Terrace|Place|Court|Boulevard|Blvd\\.?)(?![\\p{L}])`,
  'gu',
);
/** Albanian "Rruga e Kavajës", "Rr. Fiktive", "Lagjja 5". */
const SQ_STREET = new RegExp(
  `(?<![\\p{L}])(?:Rruga|Rr\\.|Lagjja|Lagja|Bulevardi|Blv\\.)\\s+(?:e\\s+|i\\s+)?${CAP}(?:\\s+${CAP_WORD}){0,2}`,
  'gu',
);

const KO_REGION =
  '(?:서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충청북|충청남|충북|충남|전라북|전라남|전북|전남|경상북|경상남|경북|경남|제주)';
/** "서울시 강남구 역삼동", "경기도 수원시 영통구", or any "…시 …구 …동" with all three levels. */
const KO_ADDRESS = new RegExp(
  `${KO_REGION}(?:특별시|광역시|특별자치시|특별자치도|시|도)?\\s*[가-힣]{1,5}(?:구|군|시)(?:\\s*[가-힣]{1,5}구)?(?:\\s*[가-힣0-9]{1,8}(?:동|읍|면|로|길|리))?` +
    '|[가-힣]{2,4}시\\s+[가-힣]{1,4}구\\s+[가-힣0-9]{1,6}동',
  'gu',
);
const ZH_REGION =
  '(?:北京|上海|天津|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门)';
/** "北京市朝阳区", "广东省深圳市南山区…路12号". */
const ZH_ADDRESS = new RegExp(
  `${ZH_REGION}(?:省|市|自治区|特别行政区)?[\\u4e00-\\u9fff]{1,4}?(?:市|区|县)(?:[\\u4e00-\\u9fff]{1,4}?(?:区|县))?(?:[\\u4e00-\\u9fff0-9]{1,8}?(?:路|街|镇|乡|村)(?:\\d+号)?)?`,
  'gu',
);

/** "SMAN 3 Bandung", "SMA Negeri 1 Kota Fiktif", "SMPN 2 Contoh". */
const ID_SCHOOL = new RegExp(
  `(?<![\\p{L}])(?:SMAN|SMPN|SMKN|SDN|SMA|SMP|SMK|SD|MTsN|MTs|MAN)\\s*(?:Negeri|Swasta|IT|Islam|Kristen|Katolik)?\\s*\\d{1,3}\\s+${CAP_WORD}(?:\\s+${CAP_WORD})?`,
  'gu',
);
/** "Sekolah Menengah Kebangsaan Taman Contoh", "Sekolah Dasar Harapan". */
const SEKOLAH = new RegExp(`(?<![\\p{L}])Sekolah(?:\\s+${CAP_WORD}){1,5}`, 'gu');
const EN_SCHOOL = new RegExp(
  `(?:${CAP_WORD}\\s+){1,4}(?:High|Middle|Secondary|Grammar|Primary|Elementary|Junior High|Senior High)\\s+School`,
  'gu',
);
const KO_SCHOOL = /[가-힣]{2,8}(?:여자고등학교|여자중학교|고등학교|중학교|초등학교)/gu;
/**
 * Chinese has no spaces, so "她在第一中学" must lose "她在": a few pronouns and verbs
 * that often precede a school are skipped (not 上, which starts 上海).
 */
const ZH_SCHOOL =
  /(?<![\u4e00-\u9fff])(?:[我你他她们在是去读念的]{1,3})?(?<loc>[\u4e00-\u9fff]{2,6}?(?:高级中学|初级中学|中学|高中|初中|小学))/gu;
const SQ_SCHOOL = new RegExp(
  `(?<![\\p{L}])(?:Shkolla|Gjimnazi)(?:\\s+e\\s+Mesme)?\\s+["“]?${CAP_WORD}(?:\\s+${CAP_WORD}){0,2}`,
  'gu',
);

const PATTERNS: RegExp[] = [
  ID_STREET,
  RT_RW,
  ID_DISTRICT,
  MY_ESTATE,
  EN_STREET,
  SQ_STREET,
  KO_ADDRESS,
  ZH_ADDRESS,
  ID_SCHOOL,
  SEKOLAH,
  EN_SCHOOL,
  KO_SCHOOL,
  ZH_SCHOOL,
  SQ_SCHOOL,
];

function tidy(match: string): string {
  return match.replace(/[\s,.;:]+$/u, '').trim();
}

/** Addresses and school names in a (PII-normalized) text. Spans inside a longer match are dropped. */
export function findLocations(text: string): string[] {
  const spans: { start: number; end: number; text: string }[] = [];
  for (const re of PATTERNS) {
    for (const m of text.matchAll(re)) {
      const whole = m.groups?.loc ?? m[0];
      const value = tidy(whole);
      const start = m.index + m[0].indexOf(whole);
      if (value.length >= 4) spans.push({ start, end: start + value.length, text: value });
    }
  }
  const kept = spans.filter(
    (s) => !spans.some((o) => o !== s && o.start <= s.start && o.end >= s.end && o.end - o.start > s.end - s.start),
  );
  return [...new Set(kept.sort((a, b) => a.start - b.start).map((s) => s.text))];
}
