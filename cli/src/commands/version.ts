import { Command } from '@oclif/core';

export default class Version extends Command {
  static override description = 'Print the versions of caravan, Node.js and the platform';

  async run(): Promise<void> {
    this.log(`caravan/${this.config.version} ${process.platform}-${process.arch} node-${process.version}`);
  }
}
