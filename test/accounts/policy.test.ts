import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { argon2idHasher, PRODUCTION_ARGON2 } from '../../src/accounts/passwords.js';
import { normaliseEmail, passwordProblem } from '../../src/accounts/policy.js';
import { matchTotpStep, newTotpSecret, totpCode, totpUri } from '../../src/accounts/totp.js';
import {
  canGrantRole,
  Permission,
  type Principal,
  ROLE_PERMISSIONS,
  requiresTotp,
  SCOPE_PERMISSIONS,
  userPermissions,
} from '../../src/server/permissions.js';
import { CHEAP_ARGON2 } from './harness.js';

describe('password policy and e-mail', () => {
  test('e-mail addresses are trimmed and lower-cased; non-addresses refused', () => {
    assert.equal(normaliseEmail('  Siti.Rahma@Example.ORG '), 'siti.rahma@example.org');
    for (const bad of ['', 'no-at-sign', 'a@b', 'two@@example.org', 'sp ace@example.org', `${'x'.repeat(250)}@e.org`]) {
      assert.equal(normaliseEmail(bad), null, bad);
    }
  });

  test('at least 12 characters, not the e-mail address, not a few repeated characters', () => {
    assert.match(passwordProblem('short', 'a@example.org')!, /at least 12/);
    assert.match(passwordProblem('Budi.Santoso@example.org', 'budi.santoso@example.org')!, /e-mail/);
    assert.match(passwordProblem('budi.santoso', 'budi.santoso@example.org')!, /e-mail/);
    assert.match(passwordProblem('aaaaaaaaaaaaaaaa', 'a@example.org')!, /repeat/);
    assert.match(passwordProblem('x'.repeat(1025), 'a@example.org')!, /at most/);
    assert.equal(passwordProblem('correct horse battery staple', 'a@example.org'), null);
    // Characters, not UTF-16 units: twelve emoji are twelve characters.
    assert.equal(passwordProblem('🐱🐶🐭🐹🐰🦊🐻🐼🐨🐯🦁🐮', 'a@example.org'), null);
  });
});

describe('argon2id hashing', () => {
  test('hashes are argon2id PHC strings that verify; wrong passwords and junk do not', async () => {
    const hasher = argon2idHasher(CHEAP_ARGON2);
    const hash = await hasher.hash('correct horse battery staple');
    assert.match(hash, /^\$argon2id\$v=19\$m=64,t=1,p=1\$/);
    assert.equal(await hasher.verify(hash, 'correct horse battery staple'), true);
    assert.equal(await hasher.verify(hash, 'correct horse battery stapl'), false);
    assert.equal(await hasher.verify('not a hash', 'x'), false);
    await hasher.verifyDummy('anything');
  });

  test('production cost is at least OWASP argon2id (19 MiB, t=2, p=1); cheaper hashes need a rehash', async () => {
    assert.ok(PRODUCTION_ARGON2.memoryCost >= 19_456 && PRODUCTION_ARGON2.timeCost >= 2);
    const cheap = await argon2idHasher(CHEAP_ARGON2).hash('correct horse battery staple');
    assert.equal(argon2idHasher(PRODUCTION_ARGON2).needsRehash(cheap), true);
    assert.equal(argon2idHasher(CHEAP_ARGON2).needsRehash(cheap), false);
    assert.equal(argon2idHasher(CHEAP_ARGON2).needsRehash('garbage'), true);
  });
});

describe('roles and permissions', () => {
  test('TOTP is required for admins and anyone who can unblur media or export evidence', () => {
    assert.equal(requiresTotp('admin'), true);
    assert.equal(requiresTotp('analyst'), true, 'unblurs media');
    assert.equal(requiresTotp('case_manager'), true, 'exports evidence');
    assert.equal(requiresTotp('police_liaison'), true, 'exports evidence');
    assert.equal(requiresTotp('auditor'), false);
  });

  test('roles: admin holds every permission; the auditor only reads and never unblurs', () => {
    assert.equal(ROLE_PERMISSIONS.admin.size, Object.values(Permission).length);
    const auditor = ROLE_PERMISSIONS.auditor;
    assert.ok(auditor.has(Permission.AuditRead) && auditor.has(Permission.CaseRead));
    for (const p of [Permission.MediaUnblur, Permission.EvidenceExport, Permission.CaseWrite, Permission.UserManage]) {
      assert.ok(!auditor.has(p), p);
    }
    assert.ok(!ROLE_PERMISSIONS.police_liaison.has(Permission.MediaUnblur));
    assert.ok(ROLE_PERMISSIONS.case_manager.has(Permission.EvidenceExport));
    for (const role of Object.keys(ROLE_PERMISSIONS) as (keyof typeof ROLE_PERMISSIONS)[]) {
      assert.ok(ROLE_PERMISSIONS[role].has(Permission.OwnAccount), role);
    }
  });

  test('without enrolled TOTP a role that needs it holds only OwnAccount', () => {
    assert.deepEqual([...userPermissions('analyst', false)], [Permission.OwnAccount]);
    assert.equal(userPermissions('analyst', true), ROLE_PERMISSIONS.analyst);
    assert.equal(userPermissions('auditor', false), ROLE_PERMISSIONS.auditor);
  });

  test('API key scopes never grant people-facing permissions', () => {
    for (const scope of ['read', 'write'] as const) {
      for (const p of [Permission.OwnAccount, Permission.UserRead, Permission.CaseRead, Permission.MediaUnblur]) {
        assert.ok(!SCOPE_PERMISSIONS[scope].has(p), `${scope} ${p}`);
      }
    }
  });

  test('a role can be granted only by someone holding all of its permissions', () => {
    const admin: Principal = { kind: 'user', id: 1, organisationId: 1, permissions: ROLE_PERMISSIONS.admin };
    const auditor: Principal = { kind: 'user', id: 2, organisationId: 1, permissions: ROLE_PERMISSIONS.auditor };
    assert.equal(canGrantRole(admin, 'admin'), true);
    assert.equal(canGrantRole(auditor, 'analyst'), false);
  });
});

describe('TOTP', () => {
  test('codes match one step either side of now, not two; the step is returned', () => {
    const secret = newTotpSecret();
    const now = new Date('2026-03-02T09:00:10Z');
    const step = Math.floor(now.getTime() / 30_000);
    assert.equal(matchTotpStep(secret, totpCode(secret, now), now), step);
    assert.equal(matchTotpStep(secret, totpCode(secret, new Date(now.getTime() - 30_000)), now), step - 1);
    assert.equal(matchTotpStep(secret, totpCode(secret, new Date(now.getTime() + 30_000)), now), step + 1);
    assert.equal(matchTotpStep(secret, totpCode(secret, new Date(now.getTime() - 60_000)), now), null);
    assert.equal(
      matchTotpStep(secret, `${totpCode(secret, now).slice(0, 3)} ${totpCode(secret, now).slice(3)}`, now),
      step,
    );
    for (const junk of ['', '12345', '1234567', 'abcdef']) assert.equal(matchTotpStep(secret, junk, now), null);
  });

  test('the otpauth URI names the issuer, account and SHA1/6 digits/30 s', () => {
    const uri = new URL(totpUri(newTotpSecret(), 'Perisai', 'siti@example.org'));
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.host, 'totp');
    assert.equal(uri.searchParams.get('issuer'), 'Perisai');
    assert.equal(uri.searchParams.get('digits'), '6');
    assert.equal(uri.searchParams.get('period'), '30');
    assert.match(decodeURIComponent(uri.pathname), /siti@example\.org/);
  });
});
