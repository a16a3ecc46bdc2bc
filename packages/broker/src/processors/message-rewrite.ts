import {
  getPropertyFromString,
  MessageConst,
  NAME_VALUE_SEPARATOR,
  PROPERTY_SEPARATOR,
  setPropertyInString,
} from '@rocketmq-ts/protocol';

// String-level edits of an encoded properties string on the send path: appending a pair is
// a concatenation, so a plain send never builds a Map of its properties (STYLE rule 13).

/** Appends `name=value`, replacing an earlier value if the name is already present. */
export function withProperty(props: string, name: string, value: string): string {
  if (getPropertyFromString(props, name) !== undefined) return setPropertyInString(props, name, value);
  const sep = props.length === 0 || props.endsWith(PROPERTY_SEPARATOR) ? '' : PROPERTY_SEPARATOR;
  return props + sep + name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
}

/** The properties the send path acts on, read in one pass over the encoded string. */
interface SendProperties {
  uniqKey: string | undefined;
  cluster: string | undefined;
  transactionPrepared: string | undefined;
  delay: string | undefined;
  region: string | undefined;
  traceOn: string | undefined;
}

const UNIQ = MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX;
const CLUSTER = MessageConst.PROPERTY_CLUSTER;
const TRAN = MessageConst.PROPERTY_TRANSACTION_PREPARED;
const DELAY = MessageConst.PROPERTY_DELAY_TIME_LEVEL;
const REGION = MessageConst.PROPERTY_MSG_REGION;
const TRACE_ON = MessageConst.PROPERTY_TRACE_SWITCH;

/**
 * One walk over `name \u0001 value \u0002` pairs picking the four names the send path
 * needs (getPropertyFromString would scan the string once per name). Same rules as
 * getPropertyFromString: the first pair with a name wins, an empty value is absent.
 */
export function scanSendProperties(props: string): SendProperties {
  const out: SendProperties = {
    uniqKey: undefined,
    cluster: undefined,
    transactionPrepared: undefined,
    delay: undefined,
    region: undefined,
    traceOn: undefined,
  };
  const n = props.length;
  let start = 0;
  while (start < n) {
    let end = props.indexOf(PROPERTY_SEPARATOR, start);
    if (end < 0) end = n;
    const sep = props.indexOf(NAME_VALUE_SEPARATOR, start);
    if (sep >= 0 && sep < end) {
      const len = sep - start;
      if (len === 8 && out.uniqKey === undefined && props.startsWith(UNIQ, start)) {
        out.uniqKey = props.slice(sep + 1, end);
      } else if (len === 7 && out.cluster === undefined && props.startsWith(CLUSTER, start)) {
        out.cluster = props.slice(sep + 1, end);
      } else if (len === 8 && out.transactionPrepared === undefined && props.startsWith(TRAN, start)) {
        out.transactionPrepared = props.slice(sep + 1, end);
      } else if (len === 5 && out.delay === undefined && props.startsWith(DELAY, start)) {
        out.delay = props.slice(sep + 1, end);
      } else if (len === 10 && out.region === undefined && props.startsWith(REGION, start)) {
        out.region = props.slice(sep + 1, end);
      } else if (len === 8 && out.traceOn === undefined && props.startsWith(TRACE_ON, start)) {
        out.traceOn = props.slice(sep + 1, end);
      }
    }
    start = end + 1;
  }
  // A first pair with an empty value hides later ones, as in getPropertyFromString.
  if (out.uniqKey === '') out.uniqKey = undefined;
  if (out.cluster === '') out.cluster = undefined;
  if (out.transactionPrepared === '') out.transactionPrepared = undefined;
  if (out.delay === '') out.delay = undefined;
  if (out.region === '') out.region = undefined;
  if (out.traceOn === '') out.traceOn = undefined;
  return out;
}

/**
 * MSG_REGION and TRACE_ON as the 5.x broker writes them into every message it stores
 * (AbstractSendMessageProcessor.buildMsgContext, from `regionId` and `traceOn`): Java's consume
 * trace hook takes the record's region from the message, and its dispatcher drops a record
 * without one, so without these a Java consumer writes no SubBefore/SubAfter. `suffix` is the
 * two pairs encoded once, appended with one concatenation. docs/metrics.md has the cost.
 */
export interface TraceStamp {
  region: string;
  traceOn: string;
  suffix: string;
}

export function traceStamp(region: string, traceOn: boolean): TraceStamp {
  const on = String(traceOn);
  const suffix =
    REGION +
    NAME_VALUE_SEPARATOR +
    region +
    PROPERTY_SEPARATOR +
    TRACE_ON +
    NAME_VALUE_SEPARATOR +
    on +
    PROPERTY_SEPARATOR;
  return { region, traceOn: on, suffix };
}

/**
 * What the broker adds to every accepted message: UNIQ_KEY when the client sent none (the
 * 5.x broker does this so every message is findable by id), CLUSTER, and with `trace`
 * MSG_REGION and TRACE_ON (the broker's values win, as Java's properties.put). `scanned` is
 * scanSendProperties(props) when the caller already has it.
 */
export function stampProperties(
  props: string,
  clusterName: string,
  nextUniqKey: () => string,
  scanned: SendProperties = scanSendProperties(props),
  trace?: TraceStamp,
): { properties: string; uniqKey: string } {
  let p = props;
  let uniqKey = scanned.uniqKey;
  if (uniqKey === undefined) {
    uniqKey = nextUniqKey();
    p = appendProperty(p, UNIQ, uniqKey);
  }
  if (scanned.cluster !== clusterName) {
    p = scanned.cluster === undefined ? appendProperty(p, CLUSTER, clusterName) : withProperty(p, CLUSTER, clusterName);
  }
  if (trace !== undefined) {
    if (scanned.region === undefined && scanned.traceOn === undefined) {
      const sep = p.length === 0 || p.endsWith(PROPERTY_SEPARATOR) ? '' : PROPERTY_SEPARATOR;
      p = p + sep + trace.suffix;
    } else {
      if (scanned.region !== trace.region) p = withProperty(p, REGION, trace.region);
      if (scanned.traceOn !== trace.traceOn) p = withProperty(p, TRACE_ON, trace.traceOn);
    }
  }
  return { properties: p, uniqKey };
}

/** Appends a pair known to be absent. */
function appendProperty(props: string, name: string, value: string): string {
  const sep = props.length === 0 || props.endsWith(PROPERTY_SEPARATOR) ? '' : PROPERTY_SEPARATOR;
  return props + sep + name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
}

/** The DELAY level of a message, 0 when absent or not a number. */
export function delayLevelOf(props: string, scanned?: SendProperties): number {
  const v = scanned ? scanned.delay : getPropertyFromString(props, DELAY);
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) ? n : 0;
}

/** Java's remark for WHEEL_TIMER_NOT_ENABLE (answered with SYSTEM_ERROR). */
export const TIMER_NOT_ENABLED = 'accurate timer message is not enabled, timerWheelEnable is false';

const TIMER_NAMES = [
  MessageConst.PROPERTY_TIMER_DELIVER_MS,
  MessageConst.PROPERTY_TIMER_DELAY_SEC,
  MessageConst.PROPERTY_TIMER_DELAY_MS,
];

/**
 * Whether a send asks for the timer wheel (HookUtils.checkIfTimerMessage): one of the three
 * TIMER_ properties and no TIMER_OUT_MS (a message the wheel itself re-puts). A delay level
 * wins over them; the caller checks the level first. One indexOf for the common send.
 */
export function requestsTimer(props: string): boolean {
  if (props.indexOf('TIMER_') < 0) return false;
  if (getPropertyFromString(props, MessageConst.PROPERTY_TIMER_OUT_MS) !== undefined) return false;
  for (const name of TIMER_NAMES) if (getPropertyFromString(props, name) !== undefined) return true;
  return false;
}
