import { parseArgs } from 'node:util';
import { DEMO_PEOPLE } from './demo.ts';
import { startLocalRuntime } from './runtime.ts';

/** `npm start [-- --port 3000 --data-dir .tollgate --host 127.0.0.1 --inbox-port 8005 --no-sign-in]` */
const { values } = parseArgs({
  allowNegative: true,
  options: {
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    'inbox-port': { type: 'string', default: '8005' },
    'data-dir': { type: 'string', default: '.tollgate' },
    host: { type: 'string', default: '127.0.0.1' },
    'sign-in': { type: 'boolean', default: true },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    'usage: npm start -- [--port 3000] [--inbox-port 8005] [--data-dir .tollgate] [--host 127.0.0.1] [--no-sign-in]\n' +
      '  --host other than loopback needs --no-sign-in: then no tokens, console or mail links are served',
  );
  process.exit(0);
}
const signIn = values['sign-in'];

const started = Date.now();
const runtime = await startLocalRuntime({
  dataDir: values['data-dir'],
  host: values.host,
  signIn,
  port: Number(values.port),
  inboxPort: Number(values['inbox-port']),
  log: (message) => console.log(`[tollgate] ${message}`),
}).catch((error: unknown) => {
  console.error(`[tollgate] could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

const ready = `[tollgate] ready in ${((Date.now() - started) / 1000).toFixed(1)}s — Ctrl-C to stop`;
console.log(
  signIn
    ? `
  App:    ${runtime.appUrl}/          (submit a proposal, see demo people)
  Inbox:  ${runtime.inboxUrl}/          (the e-mails; click the decision links)
  PMO console: ${runtime.appUrl}/console   (processes, drafts, what is pending, people; sign in as Pat PMO)
  Mail kept across restarts: ${runtime.appUrl}/local/outbox
  Data:   ${values['data-dir']}/

  Act as:
    requester   ${DEMO_PEOPLE.requester.email}   submit on the App page, or POST /proposals with a token from POST /local/token
    sponsor     ${DEMO_PEOPLE.sponsor.email}      no account: open the e-mail in the Inbox and click "Open the decision page"
    pmo-admin   ${DEMO_PEOPLE.pmoAdmin.email}          token from POST /local/token
    compliance  ${DEMO_PEOPLE.compliance.email}  token from POST /local/token

${ready}`
    : `
  App:    ${runtime.appUrl}/          (the API, approval links and export downloads: no sign-in, no console)
  Inbox:  ${runtime.inboxUrl}/          (this machine only)
  Data:   ${values['data-dir']}/

${ready}`,
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('\n[tollgate] stopping…');
    runtime.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
