import { ResponseCode } from '@rocketmq-ts/protocol';
import type { GetMessageStatus, PutMessageStatus } from '@rocketmq-ts/store';

// The one place store outcomes become wire response codes (STYLE rule 8). Remarks follow
// Java's wording where clients or operators may grep for it.

interface StatusTranslation {
  code: number;
  remark?: string;
  /** Whether the message was written (the send response carries msgId/queueOffset). */
  stored: boolean;
}

const ILLEGAL_REMARK =
  'the message is illegal, maybe msg body or properties length not matched. msg body length limit 4M, msg properties length limit 32k.';

export const PUT_STATUS_TABLE: Readonly<Record<PutMessageStatus, StatusTranslation>> = {
  PUT_OK: { code: ResponseCode.SUCCESS, stored: true },
  // The next three wrote the record: clients count them as successful sends.
  FLUSH_DISK_TIMEOUT: { code: ResponseCode.FLUSH_DISK_TIMEOUT, stored: true },
  FLUSH_SLAVE_TIMEOUT: { code: ResponseCode.FLUSH_SLAVE_TIMEOUT, stored: true },
  SLAVE_NOT_AVAILABLE: { code: ResponseCode.SLAVE_NOT_AVAILABLE, stored: true },
  SERVICE_NOT_AVAILABLE: {
    code: ResponseCode.SERVICE_NOT_AVAILABLE,
    remark:
      "service not available now. It may be caused by one of the following reasons: the broker's disk is full, messages are put to the slave, message store has been shut down, etc.",
    stored: false,
  },
  CREATE_MAPPED_FILE_FAILED: {
    code: ResponseCode.SYSTEM_ERROR,
    remark: 'create mapped file failed, server is busy or broken.',
    stored: false,
  },
  MESSAGE_ILLEGAL: { code: ResponseCode.MESSAGE_ILLEGAL, remark: ILLEGAL_REMARK, stored: false },
  PROPERTIES_SIZE_EXCEEDED: { code: ResponseCode.MESSAGE_ILLEGAL, remark: ILLEGAL_REMARK, stored: false },
  // SYSTEM_ERROR as in Java: its clients retry that on another broker, not SYSTEM_BUSY.
  OS_PAGE_CACHE_BUSY: {
    code: ResponseCode.SYSTEM_ERROR,
    remark: '[PC_SYNCHRONIZED]broker busy, start flow control for a while',
    stored: false,
  },
  // Controller mode: the SyncStateSet is smaller than minInSyncReplicas; nothing was written.
  IN_SYNC_REPLICAS_NOT_ENOUGH: {
    code: ResponseCode.SYSTEM_ERROR,
    remark: 'in-sync replicas not enough',
    stored: false,
  },
  UNKNOWN_ERROR: { code: ResponseCode.SYSTEM_ERROR, remark: 'UNKNOWN_ERROR', stored: false },
};

/**
 * GetMessageStatus → pull response code (docs/formats.md §2, pull responses). `requestOffset` matters
 * for empty queues: offset 0 is "nothing yet" (19), anything else is "moved" (21).
 */
export function pullStatusCode(status: GetMessageStatus, requestOffset: number): number {
  switch (status) {
    case 'FOUND':
      return ResponseCode.SUCCESS;
    case 'MESSAGE_WAS_REMOVING':
    case 'NO_MATCHED_MESSAGE':
      return ResponseCode.PULL_RETRY_IMMEDIATELY;
    case 'NO_MATCHED_LOGIC_QUEUE':
    case 'NO_MESSAGE_IN_QUEUE':
      return requestOffset !== 0 ? ResponseCode.PULL_OFFSET_MOVED : ResponseCode.PULL_NOT_FOUND;
    case 'OFFSET_FOUND_NULL':
    case 'OFFSET_OVERFLOW_ONE':
      return ResponseCode.PULL_NOT_FOUND;
    case 'OFFSET_OVERFLOW_BADLY':
    case 'OFFSET_TOO_SMALL':
      return ResponseCode.PULL_OFFSET_MOVED;
  }
}
