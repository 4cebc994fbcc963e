/**
 * The DocumentClient every adapter uses: the SDK's, except that its item operations go over
 * DynamoDB's JSON protocol (dynamo-json.ts) instead of through the SDK's middleware stack.
 * Inputs and outputs are (un)marshalled as the DocumentClient does it — the same util-dynamodb
 * functions and options, guided by each command's own table of the fields that hold attribute
 * values — so a caller cannot tell the difference; an error carries DynamoDB's name, message and
 * the fields of its body (CancellationReasons, Item) as the SDK's errors do.
 *
 * Why: a webhook event is three store requests, and per request the SDK's stack (serialise,
 * sign, retry, deserialise, marshall, each a layer of middleware) cost the function more CPU than
 * the request's own work (README, "Webhooks").
 *
 * Scan, TransactGet, PartiQL, a call with options of its own, and any client the lean path
 * cannot be set up for (no region or credentials; PHONEKEY_SDK_READS=1) go through the SDK.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type TranslateConfig,
} from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { leanClient, type DynamoJsonClient } from './dynamo-json.ts';
import { withoutLogFilter } from './sdk-client.ts';

/** The DocumentClient commands sent lean, by their DynamoDB operation. */
const OPERATIONS = new Map<unknown, string>([
  [GetCommand, 'GetItem'],
  [PutCommand, 'PutItem'],
  [UpdateCommand, 'UpdateItem'],
  [DeleteCommand, 'DeleteItem'],
  [QueryCommand, 'Query'],
  [BatchGetCommand, 'BatchGetItem'],
  [BatchWriteCommand, 'BatchWriteItem'],
  [TransactWriteCommand, 'TransactWriteItems'],
]);

/**
 * Where a command's attribute values are, as lib-dynamodb's commands describe it: `null` the value
 * itself, `{}` or `[]` each member of it, `{ '*': n }` each member by `n`, `{ a: n }` field `a` by `n`.
 */
type KeyNodes = null | unknown[] | { [key: string]: KeyNodes };

/** `value` with `convert` applied where `nodes` says attribute values are; other fields kept as they are. */
function translate(value: unknown, nodes: KeyNodes, convert: (v: unknown) => unknown): unknown {
  if (value === undefined) return undefined;
  if (nodes === null) return convert(value);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(nodes);
  const member = keys.length === 0 ? null : keys.length === 1 && keys[0] === '*' ? (nodes as Record<string, KeyNodes>)['*']! : undefined;
  const each = member !== undefined ? (v: unknown) => translate(v, member, convert) : undefined;
  if (each) {
    if (Array.isArray(value)) return value.map(each);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const converted = each(v);
      if (converted !== undefined) out[k] = converted;
    }
    return out;
  }
  const out: Record<string, unknown> = { ...value };
  for (const k of keys) {
    const converted = translate((value as Record<string, unknown>)[k], (nodes as Record<string, KeyNodes>)[k]!, convert);
    if (converted !== undefined) out[k] = converted;
  }
  return out;
}

class LeanDocumentClient extends DynamoDBDocumentClient {
  private readonly toAttr: (v: unknown) => unknown;
  private readonly fromAttr: (v: unknown) => unknown;

  constructor(client: DynamoDBClient, translateConfig: TranslateConfig) {
    super(client, translateConfig);
    // the DocumentClient's own defaults for values converted one by one
    const marshallOptions = { ...translateConfig.marshallOptions, convertTopLevelContainer: translateConfig.marshallOptions?.convertTopLevelContainer ?? true };
    const unmarshallOptions = { ...translateConfig.unmarshallOptions, convertWithoutMapWrapper: translateConfig.unmarshallOptions?.convertWithoutMapWrapper ?? true };
    this.toAttr = (v) => marshall(v as never, marshallOptions);
    this.fromAttr = (v) => unmarshall(v as never, unmarshallOptions);
  }

  override send(command: any, ...rest: any[]): any {
    const operation = rest.length === 0 ? OPERATIONS.get(command?.constructor) : undefined;
    if (!operation) return (super.send as (...args: unknown[]) => unknown)(command, ...rest);
    return leanClient(this).then((lean) => (lean ? this.sendLean(lean, operation, command) : super.send(command)));
  }

  private async sendLean(lean: DynamoJsonClient, operation: string, command: { input: unknown; inputKeyNodes: KeyNodes; outputKeyNodes: KeyNodes }): Promise<unknown> {
    const output = await lean.call(operation, translate(command.input, command.inputKeyNodes, this.toAttr));
    return { ...(translate(output, command.outputKeyNodes, this.fromAttr) as object), $metadata: { httpStatusCode: 200 } };
  }
}

/** The adapters' DocumentClient (undefined values left out of items, as every adapter writes them). */
export function documentClient(client = withoutLogFilter(new DynamoDBClient({}))): DynamoDBDocumentClient {
  return new LeanDocumentClient(client, { marshallOptions: { removeUndefinedValues: true } });
}
