import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/run-cli.js';

/**
 * The systemd units of deploy/systemd (docs/operations.md "Under a supervisor") are valid for the
 * systemd of this machine: `systemd-analyze verify` exits 0 and says nothing (an unknown key or a
 * misspelt section is only a warning there, so silence is asserted too). The node path is this
 * machine's, the one thing that differs between hosts.
 */
const UNITS = ['mailroom-api.service', 'mailroom-worker.service', 'mailroom-inbound.service'];

test('the systemd units verify with systemd-analyze, and start the commands the docs name', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-units-'));
  try {
    for (const unit of UNITS) {
      const text = fs.readFileSync(path.join(REPO_ROOT, 'deploy', 'systemd', unit), 'utf8');
      assert.match(text, /^ExecStart=\/usr\/bin\/node \/opt\/mailroom\/bin\/mailroom\.js (serve --no-worker|worker|inbound)$/m);
      assert.match(text, /^Restart=always$/m);
      assert.match(text, /^KillSignal=SIGTERM$/m);
      const copy = path.join(dir, unit);
      fs.writeFileSync(copy, text.replace('/usr/bin/node', process.execPath));
      const verified = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
      assert.equal(verified.error, undefined, 'systemd-analyze is installed (.ci/run installs systemd)');
      assert.equal(verified.status, 0, `${unit}: ${verified.stderr}`);
      assert.equal(verified.stderr.trim(), '', `${unit} verifies without a warning`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
