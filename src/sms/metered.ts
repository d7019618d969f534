// SMS sends by destination country and result (Z5): wraps whichever SmsSender is configured, so
// every provider is counted the same way. The label is the ISO country of the number (bounded),
// never the number itself. Sends refused by a budget are counted in ../mfa/sms/send-budget.ts.
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { FleetMetrics } from '../ops/metrics.ts';
import { SmsSendError, type SmsSender } from './sender.ts';

export const countryOf = (e164: string): string => parsePhoneNumberFromString(e164)?.country ?? 'unknown';

export function meteredSender(sender: SmsSender, metrics: Pick<FleetMetrics, 'smsSends'>): SmsSender {
  return {
    name: sender.name,
    async send(msg) {
      const country = countryOf(msg.to);
      try {
        const sent = await sender.send(msg);
        metrics.smsSends.inc({ country, result: 'sent' });
        return sent;
      } catch (err) {
        if (err instanceof SmsSendError) metrics.smsSends.inc({ country, result: err.kind });
        throw err;
      }
    },
  };
}
