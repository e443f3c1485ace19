// Jobs for one container run one at a time: write-mounts and install-hostname-hook both
// read-modify-write the same config, and a parallel plan may send them together.

export class ContainerLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async withLock<T>(name: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(name, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(name) === tail) this.tails.delete(name);
    }
  }
}
