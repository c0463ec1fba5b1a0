import { describe, expect, it } from 'vitest';
import { verifyJson, verifyMarkdown, verifyStylish } from '../../src/report/verify-proofs.js';
import { Targets } from '../../src/verify/targets.js';
import { summarizeProofs, type Proof, type VerifyResult } from '../../src/verify/types.js';

const proofs: Proof[] = [
  { integration: 'metabase', check: 'certificate', ok: true, detail: 'verified against provider.ca' },
  { integration: 'metabase', check: 'read-only', ok: false, detail: 'public.orders: holds INSERT | and *more*' },
];
const result: VerifyResult = { file: 'endpoints.yaml', proofs, summary: summarizeProofs(proofs) };

describe('the proof table', () => {
  it('is JSON with proofs and a summary', () => {
    expect(JSON.parse(verifyJson(result))).toEqual({
      proofs: [
        { integration: 'metabase', check: 'certificate', ok: true, detail: 'verified against provider.ca' },
        { integration: 'metabase', check: 'read-only', ok: false, detail: 'public.orders: holds INSERT | and *more*' },
      ],
      summary: { integrations: 1, proofs: 2, failed: 1 },
    });
  });

  it('is a markdown table whose cells cannot break out', () => {
    const text = verifyMarkdown(result);
    expect(text).toContain('### dbfence verify: 1 of 2 proofs failed');
    expect(text).toContain('| ❌ | `metabase` | `read-only` | public.orders: holds INSERT \\| and \\*more\\* |');
  });

  it('is a block per integration in a terminal, control characters neutralised', () => {
    const text = verifyStylish({ ...result, proofs: [{ ...proofs[0]!, detail: 'a\u001b[2Jb' }] , summary: summarizeProofs([proofs[0]!]) }, { color: false });
    expect(text).toBe('endpoints.yaml\n  metabase\n    ✔ certificate  a\uFFFD[2Jb\n\n✔ all 1 proof for 1 integration hold\n');
  });
});

describe('--resolve and --connect-to', () => {
  it('send a name to another address and port, keeping the name', () => {
    const targets = Targets.parse(['db.example.com:5432:127.0.0.1'], ['other.example.com:5432:[::1]:6543']);
    expect(targets.target('DB.example.com', 5432)).toEqual({ hostname: 'DB.example.com', port: 5432, address: '127.0.0.1', connectPort: 5432 });
    expect(targets.target('other.example.com', 5432)).toEqual({ hostname: 'other.example.com', port: 5432, address: '::1', connectPort: 6543 });
    expect(targets.target('db.example.com', 5433).address).toBe('db.example.com');
  });

  it('refuse a malformed value in one line', () => {
    expect(() => Targets.parse(['db.example.com:127.0.0.1'], [])).toThrow('--resolve takes HOST:PORT:ADDRESS, not "db.example.com:127.0.0.1"');
    expect(() => Targets.parse(['db.example.com:99999:127.0.0.1'], [])).toThrow('"99999" is not a port from 1 to 65535');
  });
});
