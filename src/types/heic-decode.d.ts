declare module 'heic-decode' {
  interface HeicFrame {
    width: number;
    height: number;
    decode(): Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
  }
  interface DecodeInput {
    buffer: ArrayBufferLike | Uint8Array;
  }
  function decode(input: DecodeInput): Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
  namespace decode {
    function all(input: DecodeInput): Promise<HeicFrame[]>;
  }
  export default decode;
}
