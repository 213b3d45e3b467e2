// Named random secrets, made on first use and shared by every instance through the database.
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';

const CREATE = 'INSERT INTO server_secret (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING';
const SELECT = 'SELECT value FROM server_secret WHERE name = $1';

@Injectable()
export class ServerSecrets {
  private readonly cache = new Map<string, Promise<Buffer>>();

  constructor(private readonly dataSource: DataSource) {}

  /** The 32-byte secret called `name`; the first instance to ask creates it, the others read the same one. */
  get(name: string): Promise<Buffer> {
    let secret = this.cache.get(name);
    if (!secret) {
      secret = this.load(name);
      secret.catch(() => this.cache.delete(name));
      this.cache.set(name, secret);
    }
    return secret;
  }

  private async load(name: string): Promise<Buffer> {
    await this.dataSource.query(CREATE, [name, randomBytes(32)]);
    const rows = (await this.dataSource.query(SELECT, [name])) as { value: Buffer }[];
    return rows[0].value;
  }
}
