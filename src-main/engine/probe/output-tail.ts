/** Keeps the last bytes of a stream of text, for showing a shell's output without its megabytes. */
export class OutputTail {
  private chunks: string[] = [];
  private length = 0;
  /** True once anything was dropped from the start. */
  truncated = false;

  constructor(private readonly maxLength: number) {}

  /** Appends text, dropping the oldest text beyond the cap. */
  append(text: string): void {
    this.chunks.push(text);
    this.length += text.length;
    if (this.length > this.maxLength * 2) this.compact();
  }

  /** Returns the kept text. */
  text(): string {
    this.compact();
    return this.chunks.join('');
  }

  private compact(): void {
    const joined = this.chunks.join('');
    if (joined.length > this.maxLength) {
      this.truncated = true;
      this.chunks = [joined.slice(joined.length - this.maxLength)];
    } else {
      this.chunks = [joined];
    }
    this.length = this.chunks[0]!.length;
  }
}
