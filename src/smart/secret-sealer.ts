// Seals client secrets at rest (AES-256-GCM under a key kept in the database's server secrets): the
// authorization server must compare a presented secret with the registered one, so it cannot keep only a hash.
import { Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ServerSecrets } from '../storage/server-secrets';

@Injectable()
export class SecretSealer {
  constructor(private readonly secrets: ServerSecrets) {}

  async seal(plain: string): Promise<string> {
    const key = await this.secrets.get('client-secret-seal');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
  }

  async open(sealed: string): Promise<string> {
    const key = await this.secrets.get('client-secret-seal');
    const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  }
}
