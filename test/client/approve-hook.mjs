// A PermissionRequest hook for the client tests, standing in for the user who answers a permission prompt with yes:
// appends the request (its tool name and input) as one JSON line to the file named by its argument, and allows it.
// Plain JavaScript, so plain node runs it without a compile step.
import { appendFileSync, readFileSync } from 'node:fs';

const [record] = process.argv.slice(2);
const request = JSON.parse(readFileSync(0, 'utf8'));
appendFileSync(record, `${JSON.stringify({ tool_name: request.tool_name, tool_input: request.tool_input })}\n`);
process.stdout.write(JSON.stringify({ hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'allow' } } }));
