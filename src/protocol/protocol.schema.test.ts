import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CaseState, canTransition } from '../cases/case-state.ts';
import { CALLER_CATEGORIES, type CallerCategory } from '../cases/categories.ts';
import { appliesTo, type Protocol, type ProtocolIssue, parseProtocol } from './protocol.schema.ts';

// Read the file as the loader will: raw JSON from disk, no TypeScript typing of its content.
const RAW: unknown = JSON.parse(readFileSync(new URL('./default-protocol.json', import.meta.url), 'utf8'));

function loadDefault(): Protocol {
  const r = parseProtocol(RAW);
  if (!r.ok)
    throw new Error(
      `default protocol refused:\n${r.issues.map((i) => `${i.path}: ${i.message}`).join('\n')}`,
    );
  return r.protocol;
}

/** A deep copy of the default definition, to break on purpose. */
function copy(): Protocol {
  return structuredClone(loadDefault());
}

function stepIndex(p: Protocol, id: string): number {
  const i = p.steps.findIndex((s) => s.id === id);
  if (i < 0) throw new Error(`no step ${id}`);
  return i;
}

function questionIndex(p: Protocol, stepId: string, questionId: string): [number, number] {
  const si = stepIndex(p, stepId);
  const qi = p.steps[si]!.questions.findIndex((q) => q.id === questionId);
  if (qi < 0) throw new Error(`no question ${stepId}.${questionId}`);
  return [si, qi];
}

function issuesOf(def: unknown): ProtocolIssue[] {
  const r = parseProtocol(def);
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.issues;
}

/** The states a case of this category passes through, in order (a repeated state counts once). */
function statePath(p: Protocol, category: CallerCategory): CaseState[] {
  const path: CaseState[] = [];
  let state: CaseState = 'new';
  for (const s of p.steps) {
    if (!appliesTo(s, category) || !s.moveTo || s.moveTo === state) continue;
    path.push(s.moveTo);
    state = s.moveTo;
  }
  return path;
}

const SURRENDER_CATEGORIES: CallerCategory[] = ['serviceman_war_zone', 'mobilized_home'];
const INFO_CATEGORIES: CallerCategory[] = ['relative', 'just_checking', 'occupied_resident', 'other'];

describe('default protocol', () => {
  it('parses', () => {
    const r = parseProtocol(RAW);
    expect(r.ok ? [] : r.issues).toEqual([]);
    const p = loadDefault();
    expect(p.id).toBe('surrender');
    expect(p.version).toBe('2026-12-07.1');
  });

  it('has the surrender branch and the information branch, each for its categories', () => {
    const p = loadDefault();
    const stepsFor = (c: CallerCategory) => p.steps.filter((s) => appliesTo(s, c)).map((s) => s.id);
    for (const c of SURRENDER_CATEGORIES) {
      expect(stepsFor(c)).toEqual([
        'questionnaire',
        'screening',
        'verification',
        'front_contact',
        'meeting',
        'execution',
        'custody',
      ]);
    }
    for (const c of INFO_CATEGORIES) expect(stepsFor(c)).toEqual(['info_request', 'info_given']);
    expect(new Set([...SURRENDER_CATEGORIES, ...INFO_CATEGORIES])).toEqual(new Set(CALLER_CATEGORIES));
  });

  describe.each(CALLER_CATEGORIES)('for category %s', (category) => {
    it('moves the case only along transitions the state machine allows, starting from new', () => {
      const path = statePath(loadDefault(), category);
      expect(path.length).toBeGreaterThan(0);
      let from: CaseState = 'new';
      for (const to of path) {
        expect(canTransition(from, to), `${from} → ${to}`).toBe(true);
        from = to;
      }
    });
  });

  it('walks the surrender branch to in_custody and the information branch to closed_info_given', () => {
    const p = loadDefault();
    for (const c of SURRENDER_CATEGORIES) {
      expect(statePath(p, c)).toEqual([
        'screening',
        'verified',
        'awaiting_front_contact',
        'meeting_agreed',
        'in_progress',
        'in_custody',
      ]);
    }
    for (const c of INFO_CATEGORIES) expect(statePath(p, c)).toEqual(['closed_info_given']);
  });

  it('gives every datetime_window a reminder and keeps it readable by the server (not sensitive)', () => {
    const windows = loadDefault().steps.flatMap((s) =>
      s.questions.filter((q) => q.type === 'datetime_window'),
    );
    expect(windows.length).toBeGreaterThan(0);
    for (const q of windows) {
      expect(q.remindBeforeMinutes, q.id).toBeGreaterThan(0);
      expect(q.sensitive, q.id).toBe(false);
    }
  });

  it('seals everything that could identify a person or a place', () => {
    const p = loadDefault();
    const sensitive = (step: string, question: string) => {
      const [si, qi] = questionIndex(p, step, question);
      return p.steps[si]!.questions[qi]!.sensitive;
    };
    for (const [step, question] of [
      ['questionnaire', 'call_name'],
      ['questionnaire', 'birth_year'],
      ['questionnaire', 'region'],
      ['questionnaire', 'anything_else'],
      ['screening', 'operator_note'],
      ['verification', 'unit'],
      ['verification', 'rank'],
      ['verification', 'service_number'],
      ['meeting', 'meeting_point'],
      ['meeting', 'code_word'],
      ['info_request', 'details'],
    ] as const) {
      expect(sensitive(step, question), `${step}.${question}`).toBe(true);
    }
    // Every free text and every location is sealed, wherever it appears.
    for (const s of p.steps) {
      for (const q of s.questions) {
        if (q.type === 'text' || q.type === 'longtext' || q.type === 'coarse_location') {
          expect(q.sensitive, `${s.id}.${q.id}`).toBe(true);
        }
      }
    }
  });

  it('sends the safe-surrender instructions in every language at the meeting step', () => {
    const meeting = loadDefault().steps[stepIndex(loadDefault(), 'meeting')]!;
    expect(meeting.instructions?.ru).toMatch(/белую ткань/);
    expect(meeting.instructions?.uk).toMatch(/білу тканину/);
    expect(meeting.instructions?.en).toMatch(/white cloth/);
    expect(meeting.instructions?.en).toMatch(/walking pace/);
    expect(meeting.instructions?.en).toMatch(/lie face down/);
  });
});

describe('a broken definition is refused with precise errors', () => {
  it('duplicate step id', () => {
    const p = copy();
    const si = stepIndex(p, 'verification');
    p.steps[si]!.id = 'screening';
    expect(issuesOf(p)).toEqual([{ path: `steps.${si}.id`, message: 'duplicate step id "screening"' }]);
  });

  it('a choice question with one option', () => {
    const p = copy();
    const [si, qi] = questionIndex(p, 'questionnaire', 'situation');
    const q = p.steps[si]!.questions[qi]!;
    q.options = q.options!.slice(0, 1);
    expect(issuesOf(p)).toEqual([
      {
        path: `steps.${si}.questions.${qi}.options`,
        message: 'question "situation" (choice) needs at least two options',
      },
    ]);
  });

  it('an unknown moveTo state', () => {
    const p = copy();
    const si = stepIndex(p, 'meeting');
    (p.steps[si] as { moveTo?: string }).moveTo = 'surrendered';
    const issues = issuesOf(p);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe(`steps.${si}.moveTo`);
    expect(issues[0]!.message).toMatch(/^Invalid option: expected one of .*"meeting_agreed"/);
  });

  it('a step that moves new → in_custody', () => {
    const p = copy();
    p.steps.unshift({
      id: 'shortcut',
      title: { ru: 'Сразу в плен', uk: 'Одразу в полон', en: 'Straight to custody' },
      audience: 'operator',
      appliesTo: ['relative'],
      questions: [],
      moveTo: 'in_custody',
    });
    expect(issuesOf(p)).toEqual([
      {
        path: 'steps.0.moveTo',
        message:
          'for category relative, step "shortcut" moves new → in_custody, which the case state machine does not allow',
      },
    ]);
  });

  it("a missing 'uk' translation", () => {
    const p = copy();
    const si = stepIndex(p, 'meeting');
    const { uk: _dropped, ...rest } = p.steps[si]!.instructions!;
    (p.steps[si] as { instructions: unknown }).instructions = rest;
    const issues = issuesOf(p);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe(`steps.${si}.instructions.uk`);
    expect(issues[0]!.message).toMatch(/expected string, received undefined/);
  });

  it('reports every problem at once, each at its own place', () => {
    const p = copy();
    const [si, qi] = questionIndex(p, 'questionnaire', 'language');
    p.steps[si]!.questions[qi]!.options = p.steps[si]!.questions[qi]!.options!.slice(0, 1);
    const vi = stepIndex(p, 'verification');
    p.steps[vi]!.id = 'questionnaire';
    expect(issuesOf(p).map((i) => i.path)).toEqual([`steps.${si}.questions.${qi}.options`, `steps.${vi}.id`]);
  });
});
