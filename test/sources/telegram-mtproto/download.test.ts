/**
 * Media fetch: the file reference expires between the backfill and the
 * download; the message is fetched again and the download retried once with
 * the fresh reference. Size limits, deleted messages, flood waits on downloads.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Api } from 'telegram';
import { MediaDownloadError } from '../../../src/sources/telegram-mtproto/errors.js';
import type { FileDownload } from '../../../src/sources/telegram-mtproto/gateway.js';
import type { MtprotoSourceOptions } from '../../../src/sources/telegram-mtproto/options.js';
import { MtprotoSource } from '../../../src/sources/telegram-mtproto/source.js';
import type { NormalizedMessage, SourceIssue } from '../../../src/sources/types.js';
import {
  channelServer,
  document,
  documentMedia,
  floodWait,
  message,
  photoMedia,
  recordingSleep,
  reference,
  rpcError,
  StubGateway,
  USERNAME,
} from './build.js';

const BYTES = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

function referenceOf(d: FileDownload): string {
  return Buffer.from((d.location as Api.InputPhotoFileLocation).fileReference).toString();
}

/** A channel with one photo message whose file reference is `current()` on the server. */
function photoChannel(current: () => string | null) {
  const history = () => {
    const ref = current();
    return ref === null ? [new Api.MessageEmpty({ id: 1 })] : [message(1, { media: photoMedia(99, reference(ref)) })];
  };
  return channelServer(history);
}

/** Accepts only the server's current reference, like Telegram. */
function strictDownload(current: () => string | null) {
  return (d: FileDownload) => {
    if (referenceOf(d) !== `ref-${current()}`) throw rpcError('FILE_REFERENCE_EXPIRED', 400);
    return BYTES;
  };
}

async function read(gateway: StubGateway, options: Partial<MtprotoSourceOptions> = {}) {
  const issues: SourceIssue[] = [];
  const messages: NormalizedMessage[] = [];
  const source = new MtprotoSource(gateway, { channels: [USERNAME], live: false, ...options });
  for await (const m of source.messages((i) => issues.push(i))) messages.push(m);
  return { messages, issues };
}

describe('media fetch', () => {
  it('downloads with the location from the message', async () => {
    const gateway = new StubGateway(
      photoChannel(() => 'a'),
      strictDownload(() => 'a'),
    );
    const { messages } = await read(gateway);
    const media = messages[0]!.media[0]!;
    assert.deepEqual(await media.fetch!(), BYTES);
    const d = gateway.downloads[0]!;
    assert.ok(d.location instanceof Api.InputPhotoFileLocation);
    assert.equal(d.location.thumbSize, 'y');
    assert.equal(d.location.id.toString(), '99');
    assert.equal(d.location.accessHash.toString(), '297');
    assert.equal(d.dcId, 4);
    assert.equal(d.size, 140_000);
  });

  it('renews an expired file reference by fetching the message again, then succeeds', async () => {
    let serverRef = 'a';
    const gateway = new StubGateway(
      photoChannel(() => serverRef),
      strictDownload(() => serverRef),
    );
    const { messages } = await read(gateway);
    serverRef = 'b'; // time passes: Telegram has issued a new reference
    assert.deepEqual(await messages[0]!.media[0]!.fetch!(), BYTES);
    assert.deepEqual(gateway.downloads.map(referenceOf), ['ref-a', 'ref-b']);
    const refetch = gateway.requests.filter((r) => r instanceof Api.channels.GetMessages);
    assert.equal(refetch.length, 1);
    const r = refetch[0] as Api.channels.GetMessages;
    assert.ok(r.channel instanceof Api.InputChannel);
    assert.equal(r.channel.channelId.toString(), '1234567890');
    assert.deepEqual(
      r.id?.map((m) => (m as Api.InputMessageID).id),
      [1],
    );
    assert.equal((gateway.downloads[1]!.location as Api.InputPhotoFileLocation).thumbSize, 'y');
  });

  it('retries only once: a reference that expires again is a clear error', async () => {
    let serverRef = 'a';
    const gateway = new StubGateway(
      photoChannel(() => serverRef),
      () => {
        throw rpcError('FILE_REFERENCE_EXPIRED', 400);
      },
    );
    const { messages } = await read(gateway);
    serverRef = 'b';
    await assert.rejects(messages[0]!.media[0]!.fetch!(), (err: unknown) => {
      assert.ok(err instanceof MediaDownloadError);
      assert.equal(err.reason, 'expired');
      assert.match(err.message, /photo 99 of message -1001234567890\/1: the file reference expired again/);
      return true;
    });
    assert.equal(gateway.downloads.length, 2);
  });

  it('says so when the message was deleted in the meantime', async () => {
    let serverRef: string | null = 'a';
    const gateway = new StubGateway(
      photoChannel(() => serverRef),
      strictDownload(() => serverRef),
    );
    const { messages } = await read(gateway);
    serverRef = null;
    await assert.rejects(messages[0]!.media[0]!.fetch!(), (err: unknown) => {
      assert.ok(err instanceof MediaDownloadError);
      assert.equal(err.reason, 'gone');
      assert.match(err.message, /no longer exists/);
      return true;
    });
  });

  it('waits out a flood wait on a download', async () => {
    let first = true;
    const gateway = new StubGateway(
      photoChannel(() => 'a'),
      () => {
        if (first) {
          first = false;
          throw floodWait(3);
        }
        return BYTES;
      },
    );
    const { waits, sleep } = recordingSleep();
    const { messages } = await read(gateway, { sleep, random: () => 0 });
    assert.deepEqual(await messages[0]!.media[0]!.fetch!(), BYTES);
    assert.deepEqual(waits, [3000]);
  });
});

describe('media size limit', () => {
  it('does not offer a file declared over the limit, and reports it', async () => {
    const big = document(
      21,
      'video/mp4',
      [new Api.DocumentAttributeVideo({ duration: 60, w: 1920, h: 1080 })],
      3_000_000_000,
    );
    const gateway = new StubGateway(channelServer(() => [message(1, { media: documentMedia(big) })]));
    const { messages, issues } = await read(gateway, { maxDownloadBytes: 100_000_000 });
    const media = messages[0]!.media[0]!;
    assert.equal(media.fetch, undefined);
    assert.match(media.missing ?? '', /3000000000 bytes is over the 100000000-byte limit/);
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.kind, 'limit');
  });

  it('refuses a download that sends more than the limit', async () => {
    const small = document(22, 'application/pdf', [], 10);
    const gateway = new StubGateway(
      channelServer(() => [message(1, { media: documentMedia(small) })]),
      () => new Uint8Array(500),
    );
    const { messages } = await read(gateway, { maxDownloadBytes: 100 });
    assert.equal(gateway.downloads.length, 0);
    await assert.rejects(messages[0]!.media[0]!.fetch!(), (err: unknown) => {
      assert.ok(err instanceof MediaDownloadError);
      assert.equal(err.reason, 'limit');
      return true;
    });
    assert.equal(gateway.downloads[0]?.maxBytes, 100, 'the gateway is told the limit too');
  });
});
