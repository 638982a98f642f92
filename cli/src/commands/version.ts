import { CaravanCommand } from '../lib/base-command.js';

export default class Version extends CaravanCommand {
  static override description = 'Print the versions of caravan, Node.js and the platform';

  async run(): Promise<void> {
    await this.parse(Version);
    this.log(`caravan/${this.config.version} ${process.platform}-${process.arch} node-${process.version}`);
  }
}
