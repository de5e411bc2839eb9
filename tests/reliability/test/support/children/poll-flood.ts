// The poll flood (../poll-flood.ts) in a process of its own, so its 800
// loops take neither the test's event loop nor its timing. Options come in
// QDO_TEST_FLOOD; IPC "tally" answers the counts so far, "stop" stops the
// flood, answers the final counts and exits. It stops by itself at its deadline.
import { startPollFlood } from '../poll-flood.js';

const options = JSON.parse(process.env.QDO_TEST_FLOOD ?? '{}');
const flood = startPollFlood({ ...options, until: performance.now() + options.durationMs });
const report = () => ({ tally: flood.tally, inFlight: flood.inFlight() });
process.on('message', async (message) => {
  if (message === 'tally') process.send?.(report());
  if (message === 'stop') {
    const last = report();
    await flood.stop();
    process.send?.(last, () => process.exit(0));
  }
});
process.send?.('started');
