/** Types of heic-decode (the package ships none): decode the first image, or list all of them lazily. */
declare module 'heic-decode' {
  interface DecodedImage {
    width: number;
    height: number;
    data: Uint8ClampedArray;
  }
  interface HeicDecode {
    (input: { buffer: ArrayBufferLike | Uint8Array }): Promise<DecodedImage>;
    all(input: {
      buffer: ArrayBufferLike | Uint8Array;
    }): Promise<Array<{ width: number; height: number; decode(): Promise<DecodedImage> }>>;
  }
  const decode: HeicDecode;
  export default decode;
}
