/**
 * A real Azure Blob store (Azurite) on a free loopback port, with one container, for the fake
 * cache service to hand out SAS-signed URLs of. @actions/cache uploads to it with the Azure SDK
 * (BlockBlobClient.uploadFile) and downloads with plain HTTP GETs, as it does on GitHub.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient, type ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { freePort } from '../../helpers/ports.js';

/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** `http://127.0.0.1:PORT/devstoreaccount1` */
  endpoint: string;
  credential: StorageSharedKeyCredential;
  container: ContainerClient;
  stop(): Promise<void>;
}

export async function startAzurite(containerName = 'actions-cache'): Promise<Azurite> {
  const port = await freePort();
  const location = mkdtempSync(join(tmpdir(), 'azurite-'));
  const main = createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js');
  const args = [
    main,
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(port),
    '--location',
    location,
    '--silent',
    '--skipApiVersionCheck',
    '--loose',
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
  const container = new BlobServiceClient(endpoint, credential).getContainerClient(containerName);
  const stop = async () => {
    await stopChild(child);
    rmSync(location, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await container.createIfNotExists();
      return { endpoint, credential, container, stop };
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`Azurite did not start on port ${port}: ${String(error)}\n${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
