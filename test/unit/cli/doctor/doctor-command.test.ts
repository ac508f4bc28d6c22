import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { doctorChecks, formatChecks } from '../../../../scripts/cli/doctor/doctor-command.js';
import { DEFAULT_PORTS, stackPorts } from '../../../../scripts/devstack/ports.js';

describe('rtp doctor', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('finds the tools this machine has', async () => {
    const checks = await doctorChecks();
    expect(checks.map((c) => c.name)).toEqual(['Node.js', 'Java', 'Maven', 'Python', 'Python venv', 'Disk', 'Ports', 'Postgres', 'Memory']);
    expect(checks.find((c) => c.name === 'Node.js')?.detail.startsWith(`v${process.versions.node}`)).toBe(true);
  });

  it('says, on Node 20 and 21, that SDK releases from January 2027 need Node 22 and which Node the processors deploy on', async () => {
    const node = (await doctorChecks()).find((c) => c.name === 'Node.js');
    const major = Number(process.versions.node.split('.')[0]);

    if (major < 22) expect(node?.detail).toBe(`v${process.versions.node} (supported; AWS SDK releases from January 2027 need Node 22+, and deployed processors run on Node 24)`);
    else expect(node?.detail).toBe(`v${process.versions.node}`);
  });

  it('says which account Postgres will run as and where its data goes, before anything is created', async () => {
    const postgres = (await doctorChecks()).find((c) => c.name === 'Postgres');

    expect(postgres?.ok).toBe(true);
    if (process.getuid?.() === 0) expect(postgres?.detail).toMatch(/^runs as (the postgres account \(uid \d+\)|a postgres system account that will be created \(useradd\)), since Postgres refuses to run as root; /);
    else expect(postgres?.detail).toMatch(/^runs as you; data in \//);
  });

  it('reports a port held by another process, and how to move ours', async () => {
    // Prepare
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    process.env.RTP_PORT_MOTO = String(port);

    // Act
    const checks = await doctorChecks();
    server.close();

    // Assess
    const ports = checks.find((c) => c.name === 'Ports');
    expect(ports).toMatchObject({ ok: false, detail: expect.stringContaining(`moto ${port}`) as unknown });
    expect(formatChecks(checks).join('\n')).toMatch(/MISSING Ports[\s\S]*→ .*RTP_PORT_MOTO=<port>/);
  });

  it('reports a tool that is missing, with how to get it', async () => {
    process.env.JAVA_HOME = '/nonexistent-jdk';
    const java = (await doctorChecks()).find((c) => c.name === 'Java');
    expect(java).toMatchObject({ ok: false, detail: 'not found', fix: expect.stringContaining('JDK or JRE 17+') as unknown });
  });

  it('rejects a port variable that is not a port, naming it', () => {
    expect(stackPorts({})).toEqual(DEFAULT_PORTS);
    expect(stackPorts({ RTP_PORT_KAFKA: '29092' }).kafka).toBe(29092);
    expect(() => stackPorts({ RTP_PORT_POSTGRES: 'five' })).toThrow(/RTP_PORT_POSTGRES must be a port number from 1024 to 65535, got 'five'/);
  });
});
