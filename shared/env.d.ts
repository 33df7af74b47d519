// The only host facilities shared/ may name: UTF-8 text coding exists in every JavaScript
// runtime we target (Node, Electron main, Chromium) and does no I/O.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
  encodeInto(source: string, destination: Uint8Array): { read: number; written: number };
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array): string;
}
