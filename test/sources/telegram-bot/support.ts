/** Synthetic Bot API updates (fictional people and groups) and a steppable clock for album tests. */
import type { Timers } from '../../../src/sources/telegram-bot/album.js';

export const GROUP = { id: -1001987654321, title: 'Contoh Grup Uji', type: 'supergroup' };
export const SITI = { id: 7700900101, is_bot: false, first_name: 'Siti', last_name: 'Contoh', username: 'siti_contoh' };

let nextUpdateId = 500_000;

/** An update around a message; `fields` are merged into the message. */
export function messageUpdate(
  fields: Record<string, unknown>,
  kind: 'message' | 'edited_message' | 'channel_post' | 'edited_channel_post' = 'message',
): { update_id: number } & Record<string, unknown> {
  return {
    update_id: nextUpdateId++,
    [kind]: { message_id: 41, from: SITI, chat: GROUP, date: 1_717_000_000, ...fields },
  };
}

/** A photo message as Telegram sends it: several sizes of one picture. */
export function photoFields(tag: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    photo: [
      { file_id: `${tag}-s`, file_unique_id: `${tag}-S`, file_size: 1200, width: 90, height: 67 },
      { file_id: `${tag}-x`, file_unique_id: `${tag}-X`, file_size: 64_000, width: 1280, height: 960 },
      { file_id: `${tag}-m`, file_unique_id: `${tag}-M`, file_size: 21_000, width: 320, height: 240 },
    ],
    ...extra,
  };
}

/** setTimeout/clearTimeout against a clock that moves only when told. */
export class FakeTimers implements Timers {
  now = 0;
  private tasks: { at: number; seq: number; run: () => void }[] = [];
  private seq = 0;

  setTimeout(run: () => void, ms: number): unknown {
    const task = { at: this.now + ms, seq: this.seq++, run };
    this.tasks.push(task);
    return task;
  }

  clearTimeout(handle: unknown): void {
    this.tasks = this.tasks.filter((t) => t !== handle);
  }

  get pending(): number {
    return this.tasks.length;
  }

  /** Moves the clock, running what falls due in time order. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = this.tasks.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.tasks = this.tasks.filter((t) => t !== due);
      this.now = due.at;
      due.run();
    }
    this.now = until;
  }
}
