import {
  compareForOrder,
  compareValues,
  EVALUATION_ERROR,
  equalValues,
  formatValue,
  type JavaNumber,
  negate,
  type Value,
} from './java-values.js';

// The expression nodes of the selector, each built once with its evaluator: a closure over
// its operands' evaluators. The constructors carry the checks Java's expression factories
// make while parsing (ComparisonExpression, LogicExpression, UnaryExpression) and throw a
// SelectorError with Java's wording where those throw. Evaluation follows Java's
// three-valued logic: null is "unknown", and only TRUE at the top lets a message through.

/** Where the evaluator reads message properties; a Map<string, string> is one. */
export interface PropertySource {
  get(name: string): string | undefined;
}

export type Evaluator = (src: PropertySource) => Value;

/**
 * Java's expression classes, which the parse-time checks look at: `constant` literals
 * (strings, numbers), `boolean-constant` (TRUE, FALSE, NULL: constants that are also
 * BooleanExpressions), `property`, `boolean` (comparisons, logic, IN, CONTAINS...) and
 * `value` (a negation).
 */
export type NodeClass = 'constant' | 'boolean-constant' | 'property' | 'boolean' | 'value';

export interface Node {
  readonly cls: NodeClass;
  readonly ev: Evaluator;
  /** The expression text, for messages. */
  readonly text: string;
  /** Longest chain of evaluators below and including this one (bounds the evaluation stack). */
  readonly depth: number;
  /** Literal value (constants) or a negation folded to a number. */
  readonly value?: Value | undefined;
  readonly property?: string | undefined;
}

/** A selector Java's parser would refuse; `message` follows Java's wording. */
export class SelectorError extends Error {
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(message);
    this.name = 'SelectorError';
  }
}

function node(cls: NodeClass, ev: Evaluator, text: string, children: readonly Node[], extra?: Partial<Node>): Node {
  let depth = 0;
  for (const c of children) if (c.depth > depth) depth = c.depth;
  depth++;
  return { cls, ev, text, depth, ...extra };
}

const isConstant = (n: Node): boolean => n.cls === 'constant' || n.cls === 'boolean-constant';
const isBoolean = (n: Node): boolean => n.cls === 'boolean' || n.cls === 'boolean-constant';

export function constant(value: Value, text: string): Node {
  const cls = value === null || typeof value === 'boolean' ? 'boolean-constant' : 'constant';
  return node(cls, () => value, text, [], { value });
}

export function property(name: string): Node {
  return node('property', (src) => src.get(name) ?? null, name, [], { property: name });
}

/** Java's createNegate: a number negated; anything else evaluates to null. */
export function negation(e: Node, text: string): Node {
  const v = e.value;
  if (v !== undefined && v !== null && typeof v === 'object') {
    const n: JavaNumber = negate(v);
    return node('value', () => n, text, [e], { value: n });
  }
  return node('value', () => null, text, [e]);
}

/** asBooleanExpression: a property is cast (a String is FALSE), others must already be boolean. */
export function asBoolean(e: Node): Node {
  if (isBoolean(e)) return e;
  if (e.cls === 'property') {
    const inner = e.ev;
    return node(
      'boolean',
      (src) => {
        const v = inner(src);
        if (v === null) return null;
        return typeof v === 'boolean' ? v : false;
      },
      e.text,
      [e],
    );
  }
  throw new SelectorError(`Expression will not result in a boolean value: ${e.text}`);
}

const bool = (v: Value): boolean | null => {
  if (v === null || typeof v === 'boolean') return v;
  throw EVALUATION_ERROR;
};

export function not(e: Node, text: string): Node {
  const inner = e.ev;
  return node(
    'boolean',
    (src) => {
      const v = bool(inner(src));
      return v === null ? null : !v;
    },
    text,
    [e],
  );
}

/**
 * AND (decisive value false) or OR (decisive true) of any number of operands: the same as
 * Java's left-nested pairs, in the same order and with the same nulls.
 */
function logic(operands: Node[], decisive: boolean, text: string): Node {
  const evs = operands.map((o) => o.ev);
  return node(
    'boolean',
    (src) => {
      let unknown = false;
      for (let i = 0; i < evs.length; i++) {
        const v = bool(evs[i]!(src));
        if (v === decisive) return decisive;
        if (v === null) unknown = true;
      }
      return unknown ? null : !decisive;
    },
    text,
    operands,
  );
}

export const and = (operands: Node[], text: string): Node => logic(operands, false, text);
export const or = (operands: Node[], text: string): Node => logic(operands, true, text);

function checkEqualOperand(e: Node): void {
  if (isConstant(e) && e.value === null) throw new SelectorError(`'${e.text}' cannot be compared.`);
}

/** Java's doCreateEqual: one side null → null if it is the left, FALSE if the right. */
function rawEqual(l: Node, r: Node, text: string): Node {
  const le = l.ev;
  const re = r.ev;
  return node(
    'boolean',
    (src) => {
      const lv = le(src);
      const rv = re(src);
      if (lv === null) return rv === null ? true : null;
      if (rv === null) return false;
      return equalValues(lv, rv) || compareValues(lv, rv) === 0;
    },
    text,
    [l, r],
  );
}

export function equal(l: Node, r: Node, text: string): Node {
  checkEqualOperand(l);
  checkEqualOperand(r);
  if (isConstant(l) && isConstant(r) && isBoolean(l) && !isBoolean(r)) {
    throw new SelectorError(`'${l.text}' cannot be compared with '${r.text}'`);
  }
  return rawEqual(l, r, text);
}

export function notEqual(l: Node, r: Node, text: string): Node {
  return not(equal(l, r, text), text);
}

export function isNull(e: Node, negated: boolean, text: string): Node {
  const inner = e.ev;
  return node('boolean', negated ? (src) => inner(src) !== null : (src) => inner(src) === null, text, [e]);
}

export type Relation = '<' | '<=' | '>' | '>=';

function checkLessThanOperand(e: Node): void {
  if (isConstant(e)) {
    if (e.value !== null && typeof e.value === 'object') return;
    throw new SelectorError(`Value '${e.text}' cannot be compared.`);
  }
  if (isBoolean(e)) throw new SelectorError(`Value '${e.text}' cannot be compared.`);
}

export function relation(op: Relation, l: Node, r: Node, text: string): Node {
  checkLessThanOperand(l);
  checkLessThanOperand(r);
  const le = l.ev;
  const re = r.ev;
  const holds =
    op === '<'
      ? (c: number) => c < 0
      : op === '<='
        ? (c: number) => c <= 0
        : op === '>'
          ? (c: number) => c > 0
          : (c: number) => c >= 0;
  return node(
    'boolean',
    (src) => {
      const lv = le(src);
      if (lv === null) return null;
      const rv = re(src);
      if (rv === null) return null;
      return holds(compareForOrder(lv, rv));
    },
    text,
    [l, r],
  );
}

export function between(value: Node, low: Node, high: Node, negated: boolean, text: string): Node {
  if (negated) return or([relation('<', value, low, text), relation('>', value, high, text)], text);
  if (isConstant(low) && isConstant(high)) {
    const lv = low.value ?? null;
    const hv = high.value ?? null;
    if (lv === null || hv === null) throw new SelectorError('Illegal values of between, values can not be null!');
    let c: number;
    try {
      c = compareValues(hv, lv);
    } catch {
      throw new SelectorError(
        `Illegal values of between: ${formatValue(lv)} and ${formatValue(hv)} cannot be compared`,
      );
    }
    if (c < 0) {
      throw new SelectorError(
        `Illegal values of between, left value(${formatValue(lv)}) must less than or equal to right value(${formatValue(hv)})`,
      );
    }
  }
  return and([relation('>=', value, low, text), relation('<=', value, high, text)], text);
}

export function inList(e: Node, items: string[], negated: boolean, text: string): Node {
  if (e.cls !== 'property') throw new SelectorError(`Expected a property for In expression, got: ${e.text}`);
  const set = new Set(items);
  const inner = e.ev;
  return node(
    'boolean',
    (src) => {
      const v = inner(src);
      if (typeof v !== 'string') return null;
      return set.has(v) !== negated;
    },
    text,
    [e],
  );
}

export type StringTest = 'CONTAINS' | 'STARTSWITH' | 'ENDSWITH';

/** CONTAINS / STARTSWITH / ENDSWITH and their NOT forms: FALSE (not null) on a missing value. */
export function stringTest(e: Node, test: StringTest, search: string, negated: boolean, text: string): Node {
  const inner = e.ev;
  if (search === '') return node('boolean', () => false, text, [e]);
  const has =
    test === 'CONTAINS'
      ? (v: string) => v.includes(search)
      : test === 'STARTSWITH'
        ? (v: string) => v.startsWith(search)
        : (v: string) => v.endsWith(search);
  return node(
    'boolean',
    (src) => {
      const v = inner(src);
      if (typeof v !== 'string') return false;
      return has(v) !== negated;
    },
    text,
    [e],
  );
}
