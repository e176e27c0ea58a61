/**
 * Dead letters: a message a consumer gives up on is published to `<prefix>.dlq.<consumer>` (inside the
 * stream, so it is kept) as JSON with everything needed to inspect and replay it.
 */
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';

export type DeadLetterReason = 'invalid_message' | 'no_handler' | 'handler_failed';

export interface DeadLetter {
  consumer: string;
  reason: DeadLetterReason;
  error: string;
  /** Subject the original message was published on. */
  subject: string;
  streamSequence: number;
  deliveryCount: number;
  eventId?: string;
  eventType?: string;
  /** The original payload: the UTF-8 text when it decodes, else base64. */
  payload: string;
  payloadEncoding: 'utf8' | 'base64';
  deadLetteredAt: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function describeDeadLetter(
  msg: JsMsg,
  details: {
    consumer: string;
    reason: DeadLetterReason;
    error: string;
    eventId?: string;
    eventType?: string;
  },
): DeadLetter {
  let payload: string;
  let payloadEncoding: DeadLetter['payloadEncoding'];
  try {
    payload = strictUtf8.decode(msg.data);
    payloadEncoding = 'utf8';
  } catch {
    payload = Buffer.from(msg.data).toString('base64');
    payloadEncoding = 'base64';
  }
  return {
    consumer: details.consumer,
    reason: details.reason,
    error: details.error,
    subject: msg.subject,
    streamSequence: msg.seq,
    deliveryCount: msg.info.deliveryCount,
    ...(details.eventId === undefined ? {} : { eventId: details.eventId }),
    ...(details.eventType === undefined ? {} : { eventType: details.eventType }),
    payload,
    payloadEncoding,
    deadLetteredAt: new Date().toISOString(),
  };
}

/** Publishes and waits for the PubAck; msgID makes a repeated dead-lettering of the same message a no-op. */
export async function publishDeadLetter(
  js: JetStreamClient,
  subject: string,
  letter: DeadLetter,
): Promise<void> {
  await js.publish(subject, JSON.stringify(letter), {
    msgID: `dlq:${letter.consumer}:${letter.streamSequence}`,
  });
}
