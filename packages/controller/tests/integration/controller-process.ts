import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Spawns `mqcontroller -c <conf>` (the module the rocketmq-ts bin runs) and waits for its boot line.

export const MQCONTROLLER = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export interface ControllerProcess {
  address: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
}

export async function spawnController(
  dir: string,
  name: string,
  conf: string,
  bin = MQCONTROLLER,
): Promise<ControllerProcess> {
  const file = join(dir, `${name}.conf`);
  await writeFile(file, conf);
  const child = spawn(process.execPath, [bin, '-c', file], {
    env: { ...process.env, HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /The Controller boot success\. address (\S+),/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    void exited.then(() => reject(new Error(`controller ${name} exited before booting:\n${out}`)));
  });
  return { address, child, exited, output: () => out };
}
