import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveUser } from './users.js';

test('users and groups resolve as runc resolves them, inside the rootfs', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-users-'));
  try {
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n# comment\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\nwheel:x:10:app\naudio:x:29:app,other\napp:x:1000:\n');
    assert.deepEqual(resolveUser(root, ''), { uid: 0, gid: 0, additionalGids: [], home: '/root' });
    assert.deepEqual(resolveUser(root, 'app'), { uid: 1000, gid: 1000, additionalGids: [10, 29], home: '/home/app' });
    // A named group replaces the supplementary ones (runc's rule); --group-add adds.
    assert.deepEqual(resolveUser(root, 'app:audio'), { uid: 1000, gid: 29, additionalGids: [], home: '/home/app' });
    assert.deepEqual(resolveUser(root, '1000:5', ['wheel', '77']), { uid: 1000, gid: 5, additionalGids: [10, 77], home: '/home/app' });
    assert.deepEqual(resolveUser(root, '4242'), { uid: 4242, gid: 0, additionalGids: [], home: '/' });
    assert.throws(() => resolveUser(root, 'ghost'), /unable to find user ghost: no matching entries in passwd file/);
    assert.throws(() => resolveUser(root, 'app:ghosts'), /unable to find group ghosts/);
    assert.throws(() => resolveUser(root, '99999999999'), /out of range/);
    // A hostile image's /etc/passwd pointing at the host's files reads inside the rootfs instead.
    rmSync(join(root, 'etc/passwd'));
    symlinkSync('/etc/shadow', join(root, 'etc/passwd'));
    assert.deepEqual(resolveUser(root, '0'), { uid: 0, gid: 0, additionalGids: [], home: '/' });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
