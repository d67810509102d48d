'use strict';
// Drives Zoho's official @zohocrm/typescript-sdk-8.0 against a running Mailroom: initialise, insert a
// Lead, read it back, list the From addresses, send the Lead a mail, print ONE JSON line of what the
// SDK surfaced. Run as a child process: the SDK
// keeps global singletons, so one initialise per process.
//
// Env: BASE (no trailing slash), RESOURCE_DIR (writable), and either ACCESS_TOKEN or
// CLIENT_ID + CLIENT_SECRET + REFRESH_TOKEN (the SDK then calls BASE/oauth/v2/token).
const {
  Environment, OAuthBuilder, InitializeBuilder, SDKConfigBuilder, LogBuilder, Levels,
  ParameterMap, HeaderMap, Record, SendMail, FromAddresses, Choice, SDKException,
} = require('@zohocrm/typescript-sdk-8.0');

const { BASE, RESOURCE_DIR, ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN } = process.env;

/** Keeps tokens in memory (the default FileStore writes sdk_tokens.txt next to node_modules). */
class MemoryTokenStore {
  constructor() {
    this.tokens = [];
  }
  async findToken(token) {
    const signature = (t) => (t.getUserSignature() ? t.getUserSignature().getName() : null);
    const hit = this.tokens.find(
      (t) =>
        (signature(token) !== null && signature(t) === signature(token)) ||
        (token.getRefreshToken() != null && t.getRefreshToken() === token.getRefreshToken()) ||
        (token.getAccessToken() != null && t.getAccessToken() === token.getAccessToken()),
    );
    if (!hit) return null;
    for (const key of Object.keys(hit)) if (token[key] == null && hit[key] != null) token[key] = hit[key];
    return token;
  }
  async findTokenById(id) {
    return this.tokens.find((t) => t.getId() === id) ?? null;
  }
  async saveToken(token) {
    if (token.getId() == null) token.setId(String(this.tokens.length + 1));
    this.tokens = [...this.tokens.filter((t) => t.getId() !== token.getId()), token];
  }
  async deleteToken(id) {
    this.tokens = this.tokens.filter((t) => t.getId() !== id);
  }
  async getTokens() {
    return this.tokens;
  }
  async deleteTokens() {
    this.tokens = [];
  }
}

async function main() {
  if (!BASE || !RESOURCE_DIR) throw new Error('BASE and RESOURCE_DIR are required');
  const oauth = ACCESS_TOKEN
    ? new OAuthBuilder().accessToken(ACCESS_TOKEN)
    : new OAuthBuilder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET).refreshToken(REFRESH_TOKEN);
  const store = new MemoryTokenStore();
  await (await new InitializeBuilder())
    .environment(new Environment(BASE, BASE + '/oauth/v2/token', BASE))
    .token(oauth.findUser(true).build())
    .store(store)
    .SDKConfig(new SDKConfigBuilder().autoRefreshFields(false).pickListValidation(false).build())
    .resourcePath(RESOURCE_DIR)
    .logger(new LogBuilder().level(Levels.OFF).build())
    .initialize();

  const operations = new Record.RecordOperations('Leads');
  const lead = new Record.Record();
  lead.addKeyValue('Last_Name', 'Okafor');
  lead.addKeyValue('First_Name', 'Adaeze');
  lead.addKeyValue('Company', 'Okafor Freight');
  lead.addKeyValue('Email', 'adaeze.okafor@example.com');
  const body = new Record.BodyWrapper();
  body.setData([lead]);
  const created = await operations.createRecords(body);
  const item = created.getObject() instanceof Record.ActionWrapper ? created.getObject().getData()[0] : null;
  const id = item instanceof Record.SuccessResponse ? item.getDetails().get('id') : null;

  const read = id === null ? null : await operations.getRecord(id, new ParameterMap(), new HeaderMap());
  const record = read && read.getObject() instanceof Record.ResponseWrapper ? read.getObject().getData()[0] : null;
  const owner = record ? record.getKeyValue('Owner') : null;
  const [token] = store.tokens;

  const addresses = await new FromAddresses.FromAddressesOperations().getFromAddresses();
  const addressList = addresses.getObject() instanceof FromAddresses.ResponseWrapper ? addresses.getObject().getFromAddresses() : [];
  const typeOf = (a) => (a.getType() && typeof a.getType().getValue === 'function' ? a.getType().getValue() : a.getType());
  const primary = addressList.find((a) => typeOf(a) === 'primary');

  let sent = null;
  if (id !== null && primary) {
    const from = new SendMail.From();
    from.setEmail(primary.getEmail());
    from.setUserName(primary.getUserName());
    const to = new SendMail.To();
    to.setEmail('adaeze.okafor@example.com');
    to.setUserName('Adaeze Okafor');
    const data = new SendMail.Data();
    data.setFrom(from);
    data.setTo([to]);
    data.setSubject('Hello from the SDK');
    data.setContent('<p>Sent through Zoho\'s own SDK.</p>');
    data.setMailFormat(new Choice('html'));
    const mailBody = new SendMail.BodyWrapper();
    mailBody.setData([data]);
    const response = await new SendMail.SendMailOperations(id, 'Leads').sendMail(mailBody);
    const result = response.getObject() instanceof SendMail.ActionWrapper ? response.getObject().getData()[0] : null;
    sent = {
      status: response.getStatusCode(),
      itemClass: result && result.constructor.name,
      code: result ? result.getCode().getValue() : null,
      message: result ? result.getMessage() : null,
      messageId: result instanceof SendMail.SuccessResponse ? result.getDetails().get('message_id') : null,
    };
  }

  console.log(
    JSON.stringify({
      token: token && {
        accessToken: token.getAccessToken(),
        apiDomain: token.getAPIDomain(),
        userSignature: token.getUserSignature() ? token.getUserSignature().getName() : null,
      },
      fromAddresses: {
        status: addresses.getStatusCode(),
        list: addressList.map((a) => ({ email: a.getEmail(), type: typeOf(a) })),
      },
      sendMail: sent,
      create: {
        status: created.getStatusCode(),
        itemClass: item && item.constructor.name,
        code: item instanceof Record.SuccessResponse ? item.getCode().getValue() : null,
        id: id === null ? null : id,
        idType: typeof id,
        json: created.getResponseJSON(),
      },
      get: read && {
        status: read.getStatusCode(),
        recordClass: record && record.constructor.name,
        id: record ? String(record.getId()) : null,
        idType: record ? typeof record.getId() : null,
        lastName: record ? record.getKeyValue('Last_Name') : null,
        firstName: record ? record.getKeyValue('First_Name') : null,
        company: record ? record.getKeyValue('Company') : null,
        email: record ? record.getKeyValue('Email') : null,
        owner: owner && { class: owner.constructor.name, id: String(owner.getId()), name: owner.getName() },
        createdTime: record && record.getCreatedTime() instanceof Date ? record.getCreatedTime().toISOString() : null,
        json: read.getResponseJSON(),
      },
    }),
  );
}

main().catch((error) => {
  if (error instanceof SDKException) console.error('SDKException', JSON.stringify({ code: error.code, message: error.message, details: error.details }), error.cause ?? '');
  else console.error(error);
  process.exit(1);
});
