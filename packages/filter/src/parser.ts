import { decimalLiteral } from './java-values.js';
import { KEYWORDS, lineColumn, type Token } from './lexer.js';
import {
  and,
  asBoolean,
  between,
  constant,
  equal,
  inList,
  isNull,
  type Node,
  negation,
  not,
  notEqual,
  or,
  property,
  type Relation,
  relation,
  SelectorError,
  type StringTest,
  stringTest,
} from './nodes.js';

// Recursive descent over RocketMQ's SelectorParser.jj grammar, loosest first:
//   or      := and (OR and)*
//   and     := equality (AND equality)*
//   equality:= comparison ( '=' comparison | '<>' comparison | IS [NOT] NULL )*
//   comparison := unary ( ('>'|'>='|'<'|'<=') unary | [NOT] (CONTAINS|STARTSWITH|ENDSWITH) string
//                       | [NOT] BETWEEN unary AND unary | [NOT] IN '(' string (',' string)* ')' )*
//   unary   := '+' unary | '-' unary | NOT unary | primary
//   primary := literal | property | '(' or ')'
// Note that NOT binds tighter than comparisons, as in Java: `NOT a = 1` is `(NOT a) = 1`.
// Recursion is bounded: parentheses and unary operators may nest `maxDepth` deep, and no
// node's evaluator chain may be longer (long AND/OR chains are one node each).

const STRING_TESTS: ReadonlySet<string> = new Set(['CONTAINS', 'STARTSWITH', 'ENDSWITH']);
const RESERVED: ReadonlySet<string> = new Set(KEYWORDS);

export class Parser {
  private i = 0;
  private nesting = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
    private readonly maxDepth: number,
  ) {}

  /** JmsSelector: the whole expression, which must be boolean (a bare property is cast). */
  parse(): Node {
    const n = this.orExpression();
    const t = this.peek();
    if (t.kind !== 'eof') throw this.unexpected(t, 'AND, OR or the end of the expression');
    return this.bounded(asBoolean(n));
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  private isKeyword(t: Token, word: string): boolean {
    return t.kind === 'keyword' && t.text === word;
  }

  private isOp(t: Token, op: string): boolean {
    return t.kind === 'op' && t.text === op;
  }

  /** The source text from `from` to the end of the last token consumed. */
  private textFrom(from: number): string {
    const last = this.tokens[this.i - 1];
    return this.source.slice(from, last ? last.end : from);
  }

  private bounded(n: Node): Node {
    if (n.depth > this.maxDepth) throw new SelectorError(`the expression is nested more than ${this.maxDepth} levels`);
    return n;
  }

  private unexpected(t: Token, expecting: string): SelectorError {
    const what = t.kind === 'eof' ? 'the end of the expression' : `"${this.source.slice(t.pos, t.end)}"`;
    let message = `Encountered ${what} at ${lineColumn(this.source, t.pos)}. Was expecting ${expecting}`;
    if (t.kind === 'keyword' && RESERVED.has(t.text) && /value|property/.test(expecting)) {
      message += `; "${t.text}" is a reserved word and cannot name a property`;
    }
    return new SelectorError(message, t.pos);
  }

  private enter(t: Token): void {
    if (++this.nesting > this.maxDepth) {
      throw new SelectorError(`the expression is nested more than ${this.maxDepth} levels`, t.pos);
    }
  }

  private orExpression(): Node {
    return this.chain('OR', () => this.andExpression(), or);
  }

  private andExpression(): Node {
    return this.chain('AND', () => this.equalityExpression(), and);
  }

  /** `operand (word operand)*` as one n-ary node; a single operand is returned as it is. */
  private chain(word: string, operand: () => Node, build: (operands: Node[], text: string) => Node): Node {
    const from = this.peek().pos;
    const first = operand();
    if (!this.isKeyword(this.peek(), word)) return first;
    const operands = [asBoolean(first)];
    while (this.isKeyword(this.peek(), word)) {
      this.next();
      operands.push(asBoolean(operand()));
    }
    return this.bounded(build(operands, this.textFrom(from)));
  }

  private equalityExpression(): Node {
    const from = this.peek().pos;
    let left = this.comparisonExpression();
    for (;;) {
      const t = this.peek();
      if (this.isOp(t, '=') || this.isOp(t, '<>')) {
        this.next();
        const right = this.comparisonExpression();
        const text = this.textFrom(from);
        left = t.text === '=' ? equal(left, right, text) : notEqual(left, right, text);
      } else if (this.isKeyword(t, 'IS')) {
        this.next();
        const negated = this.isKeyword(this.peek(), 'NOT');
        if (negated) this.next();
        const n = this.next();
        if (!this.isKeyword(n, 'NULL')) throw this.unexpected(n, negated ? 'NULL' : 'NULL or NOT NULL');
        left = isNull(left, negated, this.textFrom(from));
      } else {
        return left;
      }
      this.bounded(left);
    }
  }

  private comparisonExpression(): Node {
    const from = this.peek().pos;
    let left = this.unaryExpression();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && (t.text === '>' || t.text === '>=' || t.text === '<' || t.text === '<=')) {
        this.next();
        const right = this.unaryExpression();
        left = relation(t.text as Relation, left, right, this.textFrom(from));
      } else {
        let negated = false;
        let word = t;
        if (this.isKeyword(t, 'NOT')) {
          const after = this.peek(1);
          if (
            after.kind !== 'keyword' ||
            !(STRING_TESTS.has(after.text) || after.text === 'BETWEEN' || after.text === 'IN')
          ) {
            return left;
          }
          negated = true;
          this.next();
          word = after;
        }
        if (word.kind !== 'keyword') return left;
        if (STRING_TESTS.has(word.text)) {
          this.next();
          const search = this.stringLiteral();
          left = stringTest(left, word.text as StringTest, search, negated, this.textFrom(from));
        } else if (word.text === 'BETWEEN') {
          this.next();
          const low = this.unaryExpression();
          const a = this.next();
          if (!this.isKeyword(a, 'AND')) throw this.unexpected(a, 'AND');
          const high = this.unaryExpression();
          left = between(left, low, high, negated, this.textFrom(from));
        } else if (word.text === 'IN') {
          this.next();
          const open = this.next();
          if (!this.isOp(open, '(')) throw this.unexpected(open, '"("');
          const items = [this.stringLiteral()];
          while (this.isOp(this.peek(), ',')) {
            this.next();
            items.push(this.stringLiteral());
          }
          const close = this.next();
          if (!this.isOp(close, ')')) throw this.unexpected(close, '"," or ")"');
          left = inList(left, items, negated, this.textFrom(from));
        } else {
          return left;
        }
      }
      this.bounded(left);
    }
  }

  private unaryExpression(): Node {
    const t = this.peek();
    const isUnary = this.isOp(t, '+') || this.isOp(t, '-') || this.isKeyword(t, 'NOT');
    if (!isUnary) return this.primaryExpression();
    this.enter(t);
    this.next();
    const inner = this.unaryExpression();
    this.nesting--;
    const text = this.textFrom(t.pos);
    if (t.text === '+') return inner;
    return this.bounded(t.text === '-' ? negation(inner, text) : not(asBoolean(inner), text));
  }

  private primaryExpression(): Node {
    const t = this.next();
    switch (t.kind) {
      case 'string':
        return constant(t.text, this.textFrom(t.pos));
      case 'decimal': {
        const v = decimalLiteral(t.text);
        if (v === undefined) throw new SelectorError(`For input string: "${t.text}" (beyond Long range)`, t.pos);
        return constant(v, t.text);
      }
      case 'float': {
        const v = Number(t.text);
        // ConstantExpression.createFloat's bounds: this refuses 0.0 too, as Java does.
        if (v > Number.MAX_VALUE) throw new SelectorError(`${t.text} is greater than ${Number.MAX_VALUE}`, t.pos);
        if (v < Number.MIN_VALUE) throw new SelectorError(`${t.text} is less than 4.9E-324`, t.pos);
        return constant({ kind: 'double', value: v }, t.text);
      }
      case 'id':
        return property(t.text);
      case 'keyword':
        if (t.text === 'TRUE') return constant(true, 'TRUE');
        if (t.text === 'FALSE') return constant(false, 'FALSE');
        if (t.text === 'NULL') return constant(null, 'NULL');
        throw this.unexpected(t, 'a value, a property or "("');
      case 'op':
        if (t.text === '(') {
          this.enter(t);
          const inner = this.orExpression();
          const close = this.next();
          if (!this.isOp(close, ')')) throw this.unexpected(close, '")"');
          this.nesting--;
          return inner;
        }
        throw this.unexpected(t, 'a value, a property or "("');
      case 'eof':
        throw this.unexpected(t, 'a value, a property or "("');
    }
  }

  private stringLiteral(): string {
    const t = this.next();
    if (t.kind !== 'string') throw this.unexpected(t, 'a string literal');
    return t.text;
  }
}
