/**
 * Shares one database read among many callers without ever answering a caller with a value read
 * before it asked: a caller that arrives while a read is in flight waits for the next one, which
 * starts as soon as the current one ends. Under load one round trip serves every request that
 * arrived meanwhile, and each still sees every write committed before it arrived.
 */
export class FreshRead<T> {
  private inFlight: Promise<T> | undefined;
  private next: Promise<T> | undefined;

  constructor(private readonly read: () => Promise<T>) {}

  get(): Promise<T> {
    if (this.inFlight === undefined) return this.start();
    this.next ??= this.inFlight.then(
      () => this.startNext(),
      () => this.startNext(),
    );
    return this.next;
  }

  private startNext(): Promise<T> {
    this.next = undefined;
    return this.start();
  }

  private start(): Promise<T> {
    const p = this.read();
    this.inFlight = p;
    const clear = () => {
      if (this.inFlight === p) this.inFlight = undefined;
    };
    p.then(clear, clear);
    return p;
  }
}
