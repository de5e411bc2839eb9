/**
 * Stand-in for the @qdo/queuey-client types until that package lands; the
 * shapes follow its contract so the switch is a one-line re-export.
 */
export interface Message<B = string> {
  message_id: string;
  body: B;
  partition: number;
  timestamp: string;
  content_type?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: placeholder for the client class
export type QueueyClient = any;
