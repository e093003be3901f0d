/**
 * A fake Bot API server on loopback: getFile and /file/bot<token>/<path>, answering
 * like Telegram does (unknown file_id → 400 "wrong file_id", bad token → 404), plus
 * scripted answers for the next calls (429 with parameters.retry_after, 5xx, a
 * dropped connection) to exercise the client's retries.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeFile {
  fileId: string;
  fileUniqueId: string;
  filePath: string;
  bytes: Uint8Array;
  /** What getFile declares (default: the real length); lets a test declare a size it does not serve. */
  declaredSize?: number;
  /** Sent without Content-Length (chunked), so only counting the bytes finds the size. */
  chunked?: boolean;
}

/** A scripted answer: JSON with a status, or the connection dropped without one. */
export type Scripted = { status: number; json?: unknown; body?: string; headers?: Record<string, string> } | 'drop';

export class FakeBotApi {
  /** Every request as received, in order: "POST /bot<token>/getFile" or "GET /file/bot<token>/<path>". */
  readonly requests: string[] = [];
  private readonly scripts = new Map<string, Scripted[]>();

  private constructor(
    private readonly server: Server,
    readonly token: string,
    private readonly files: FakeFile[],
  ) {}

  static async start(token: string, files: FakeFile[]): Promise<FakeBotApi> {
    let api: FakeBotApi | null = null;
    const server = createServer((req, res) => {
      api!.handle(req, res).catch((err: Error) => {
        res.statusCode = 500;
        res.end(err.message);
      });
    });
    api = new FakeBotApi(server, token, files);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return api;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next calls to 'getFile' or 'file' get these answers, in order, before the normal one. */
  script(target: 'getFile' | 'file', ...answers: Scripted[]): void {
    this.scripts.set(target, [...(this.scripts.get(target) ?? []), ...answers]);
  }

  count(target: 'getFile' | 'file'): number {
    return this.requests.filter((r) => (target === 'getFile' ? r.endsWith('/getFile') : r.startsWith('GET /file/')))
      .length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '';
    this.requests.push(`${req.method} ${url}`);
    const body = await readBody(req);
    if (req.method === 'POST' && url === `/bot${this.token}/getFile`) {
      if (this.scripted('getFile', res)) return;
      return this.getFile(body, res);
    }
    const prefix = `/file/bot${this.token}/`;
    if (req.method === 'GET' && url.startsWith(prefix)) {
      if (this.scripted('file', res)) return;
      const file = this.files.find((f) => f.filePath === decodeURIComponent(url.slice(prefix.length)));
      if (!file) return send(res, { status: 404, json: { ok: false, error_code: 404, description: 'Not Found' } });
      const length = file.chunked ? {} : { 'content-length': file.bytes.byteLength };
      res.writeHead(200, { 'content-type': 'application/octet-stream', ...length });
      res.end(file.bytes);
      return;
    }
    send(res, { status: 404, json: { ok: false, error_code: 404, description: 'Not Found' } });
  }

  private scripted(target: 'getFile' | 'file', res: ServerResponse): boolean {
    const answer = this.scripts.get(target)?.shift();
    if (answer === undefined) return false;
    if (answer === 'drop') res.socket?.destroy();
    else send(res, answer);
    return true;
  }

  private getFile(body: string, res: ServerResponse): void {
    let fileId: unknown;
    try {
      fileId = (JSON.parse(body) as { file_id?: unknown }).file_id;
    } catch {
      fileId = undefined;
    }
    const file = this.files.find((f) => f.fileId === fileId);
    if (!file) {
      const description = 'Bad Request: wrong file_id or the file is temporarily unavailable';
      send(res, { status: 400, json: { ok: false, error_code: 400, description } });
      return;
    }
    const result = {
      file_id: file.fileId,
      file_unique_id: file.fileUniqueId,
      file_size: file.declaredSize ?? file.bytes.byteLength,
      file_path: file.filePath,
    };
    send(res, { status: 200, json: { ok: true, result } });
  }
}

function send(res: ServerResponse, answer: Exclude<Scripted, 'drop'>): void {
  const body = answer.json !== undefined ? JSON.stringify(answer.json) : (answer.body ?? '');
  res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}
