import { describe, expect, it } from 'vitest';
import { isValidBranchName } from '../../src/git/git.js';
import { branchNameFor, generateName, nameProblem, NAME_MAX, slugify } from '../../src/shared/names.js';

describe('session names', () => {
  it('slugs a prompt into a short, safe word list', () => {
    expect(slugify('Fix the login bug')).toBe('fix-the-login-bug');
    expect(slugify('  Crème brûlée: déjà vu!! ')).toBe('creme-brulee-deja-vu');
    expect(slugify('Refactor the authentication middleware thoroughly')).toBe('refactor-the');
    expect(slugify('Supercalifragilisticexpialidocious-and-more')).toBe('supercalifragilisticexpi');
    expect(slugify('!!!')).toBe('session');
    expect(slugify('')).toBe('session');
  });

  it('adds a 4-character suffix and avoids taken names', () => {
    const taken = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const n = generateName('Fix the login bug', (c) => taken.has(c));
      expect(n).toMatch(/^fix-the-login-bug-[a-z0-9]{4}$/);
      expect(taken.has(n)).toBe(false);
      taken.add(n);
    }
  });

  it('generated names are valid branches, tmux/zellij names and container names', () => {
    const prompts = ['Fix: the "login" bug…', 'a.b:c/d\\e', '日本語のプロンプト', '--dangerous', 'x'.repeat(300), 'UPPER lower 123'];
    for (const p of prompts) {
      const n = generateName(p, () => false);
      expect(nameProblem(n)).toBeNull();
      expect(n.length).toBeLessThanOrEqual(NAME_MAX);
      expect(isValidBranchName(branchNameFor(n))).toBe(true);
      expect(n).not.toMatch(/[.:]/); // tmux target separators
      expect(n).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/); // docker's container-name rule
    }
  });

  it('explains what is wrong with a bad --name', () => {
    expect(nameProblem('fix-login')).toBeNull();
    expect(nameProblem('')).toMatch(/empty/);
    expect(nameProblem('Fix')).toMatch(/lowercase/);
    expect(nameProblem('-x')).toMatch(/lowercase/);
    expect(nameProblem('x-')).toMatch(/lowercase/);
    expect(nameProblem('a.b')).toMatch(/lowercase/);
    expect(nameProblem('a--b')).toMatch(/"--"/);
    expect(nameProblem('a'.repeat(41))).toMatch(/at most 40/);
  });
});
