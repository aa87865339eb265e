'use strict';
// Verifies one webhook delivery with the standardwebhooks package, as an app's server in Node would. Reads
// {"secret", "headers", "body"} (body in base64, the raw bytes received) from stdin; prints the verified event's JSON
// and exits 0, or prints why and exits 1. Used by the .NET webhook tests on real deliveries.

const { Webhook } = require('standardwebhooks');

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const { secret, headers, body } = JSON.parse(input);
  try {
    const event = new Webhook(secret).verify(Buffer.from(body, 'base64'), headers);
    process.stdout.write(JSON.stringify(event));
  } catch (error) {
    process.stdout.write(`refused: ${error.message}`);
    process.exitCode = 1;
  }
});
