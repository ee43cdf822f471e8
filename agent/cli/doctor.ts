import { existsSync, readFileSync } from 'node:fs';
import { type Subcommand, UsageError } from '../../shared/subcommand.ts';
import { loadAgentConfig } from '../config/load.ts';
import { DcvClient } from '../dcv/commands.ts';
import { SpawnDcvRunner } from '../dcv/runner.ts';
import { identityPaths } from '../identity/files.ts';
import { dcvConfigSource } from '../selfcheck/source.ts';
import { certificateFinding, directorFinding, type Finding, verifierFinding } from '../selfcheck/doctor-checks.ts';
import { DcvSelfCheck } from '../selfcheck/self-check.ts';
import { silentLogger } from '../../shared/log.ts';

const MARK: Record<Finding['level'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };

/**
 * `dcvix-agent doctor`: the DCV host self-check the agent reports to the director, plus whether the
 * director answers and the agent's certificate is good, printed one line per check. Exit 1 when a check
 * fails, 0 otherwise (warnings included). Runs beside a running agent: it only reads.
 */
export const doctorCommand: Subcommand = {
  words: ['doctor'],
  usage: '',
  summary: 'check this host: DCV answers, dcv.conf names the director as verifier, the director is reachable, the certificate is valid',
  async run({ args, configFile, explicit }) {
    if (args.length) throw new UsageError(`doctor takes no arguments: ${args.join(' ')}`);
    const config = await loadAgentConfig(configFile, explicit);
    const caFile = identityPaths(config.data_dir).ca;
    const caPem = existsSync(caFile) ? readFileSync(caFile, 'utf8') : config.caPem;
    const dcv = new DcvClient(new SpawnDcvRunner({ binary: config.dcv_path, timeoutMs: config.dcv_timeout, log: silentLogger }));
    let version: Finding;
    try {
      version = { check: `DCV (${config.dcv_path})`, level: 'ok', detail: `answers, version ${await dcv.version()}` };
    } catch (err) {
      version = { check: `DCV (${config.dcv_path})`, level: 'fail', detail: (err as Error).message };
    }
    const findings: Finding[] = [version];
    const dcvSettings = dcvConfigSource(config.dcv_conf_file);
    if (dcvSettings) findings.push(await verifierFinding(await new DcvSelfCheck(dcvSettings, async () => '').check(), config.director_url, caPem));
    else findings.push({ check: 'DCV auth-token-verifier', level: 'warn', detail: 'not checked: dcv_conf_file is empty' });
    findings.push(await directorFinding(config, caPem), certificateFinding(config.data_dir, Date.now()));
    for (const finding of findings) console.log(`[${MARK[finding.level]}] ${finding.check}: ${finding.detail}`);
    const failed = findings.filter((finding) => finding.level === 'fail').length;
    console.log(failed ? `\n${failed} of ${findings.length} checks failed` : `\nall ${findings.length} checks passed`);
    return failed ? 1 : 0;
  },
};
