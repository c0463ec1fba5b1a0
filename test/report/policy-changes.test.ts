import { describe, expect, it } from 'vitest';
import type { PolicyChanges } from '../../src/lint/policy-changes.js';
import { renderPolicyChanges } from '../../src/report/policy-changes.js';

const none: PolicyChanges = {
  base: 'f95f852', policiesFrom: 'base', rules: [], options: [], customRules: [], waiverPolicy: undefined, waivers: [], provider: [], secretReferences: [], providerOutcome: undefined, unreadable: [],
};

describe('the policy changes section', () => {
  it('is empty when the pull request changes nothing that checks it', () => {
    expect(renderPolicyChanges(none)).toBe('');
  });

  it('keeps text from the pull request\'s files inside its cells, as text', () => {
    const text = renderPolicyChanges({
      ...none,
      rules: [{ id: 'no-world-open', from: 'error', to: 'off | <img src=x>', kind: 'downgraded' }],
      waivers: [{ kind: 'added', ruleIds: ['no-world-open'], location: 'endpoints.yaml:3', reason: 'a | b <script>', until: '2099-01-01|x' }],
      provider: [{ setting: 'provider.apiUrl', from: undefined, to: 'http://x`y|z' }],
    });
    expect(text).toContain('| `no-world-open` | downgraded | error | off \\| &lt;img src=x&gt; |');
    expect(text).toContain('| added | `no-world-open` | `endpoints.yaml:3` | a \\| b &lt;script&gt; | 2099-01-01\\|x |');
    expect(text).toContain('| `provider.apiUrl` | *unset* | `` http://x`y\\|z `` |');
    expect(text).not.toMatch(/<img|<script/);
  });
});
