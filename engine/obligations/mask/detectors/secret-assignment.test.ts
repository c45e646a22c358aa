import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { secretAssignment } from './secret-assignment.ts'
import { isSecretName } from './secret-names.ts'
import { cpuTimed } from '../../../testing/cpu-time.ts'
import { hits } from './test-helpers.ts'

test('finds values assigned to secret names in .env files, shell, YAML, JSON text and command lines', () => {
  const env = 'NODE_ENV=production\nDB_PASSWORD=hunter2\nexport STRIPE_API_KEY="sk_live_abc def"\nGITHUB_TOKEN=ghp_x1;echo ok\n'
  // A name that starts its line takes the line (dotenv reads `KEY=a b` as `a b`).
  assert.equal(hits(secretAssignment, env), ['hunter2', 'sk_live_abc def', 'ghp_x1;echo ok'])
  assert.equal(hits(secretAssignment, 'db:\n  host: db.internal\n  password: s3cret with spaces  \n  - client_secret: abc\n'), ['s3cret with spaces', 'abc'])
  assert.equal(hits(secretAssignment, '{"user": "app", "password": "pa\\"ss", "apiKey": \'k1\'}'), ['pa\\"ss', 'k1'])
  assert.equal(hits(secretAssignment, 'run --db-password=hunter2 --verbose; x-api-key: abc'), ['hunter2'])
  assert.equal(hits(secretAssignment, '//registry.npmjs.org/:_authToken=npm_abc123\n'), ['npm_abc123'])
  assert.equal(hits(secretAssignment, 'https://x.example/?user=a&password=p4ss&next=1'), ['p4ss'])
  assert.equal(hits(secretAssignment, '<add key="SmtpPassword" value="x"/> smtp_pass = "p w"'), ['x', 'p w'])
})

test('Ruby, Perl and PHP hashes and variables: `password => "…"`, `:password => \'…\'`, `$password = "…"`', () => {
  assert.equal(hits(secretAssignment, 'config = { password => "s3cret", user => "u" }'), ['s3cret'])
  assert.equal(hits(secretAssignment, "{ :password => 's3cret', :api_key=>k1, :user => 'u' }"), ['s3cret', 'k1'])
  assert.equal(hits(secretAssignment, "my %h = (password => s3cret, 'db_password' => \"p w\");"), ['s3cret', 'p w'])
  assert.equal(hits(secretAssignment, '$password = "s3cret"; $user = "u";'), ['s3cret'])
  assert.equal(hits(secretAssignment, 'opts = { token => { value => "t" } }'), ['{ value => "t" }'])
  assert.equal(hits(secretAssignment, 'if (password >= 8) { user => "u" }'), [])
})

test('XML elements named as secrets: their content whole, whatever its case, namespace or attributes; attribute pairs', () => {
  assert.equal(hits(secretAssignment, '<user><name>u</name><password>s3cret</password></user>'), ['s3cret'])
  assert.equal(hits(secretAssignment, '<Password>P w</Password><ns:api_key a="1">k</ns:api_key ><secret attr="x">s</secret>'), ['P w', 'k', 's'])
  assert.equal(hits(secretAssignment, '<DbPassword><![CDATA[a<b]]></DbPassword><Token>\n  <value>t</value>\n</Token><Env>prod</Env>'), ['<![CDATA[a<b]]>', '\n  <value>t</value>\n'])
  // A secret element's value attribute is its value.
  assert.equal(hits(secretAssignment, '<password value="s3"/><ApiKey id="1" value=\'k1\'></ApiKey><user value="u"/>'), ['s3', 'k1'])
  // A closing tag inside CDATA or a comment is content.
  assert.equal(hits(secretAssignment, '<password><![CDATA[a</password>b]]></password><x>1</x><token><!-- </token> -->t</token>'), ['<![CDATA[a</password>b]]>', '<!-- </token> -->t'])
  // An element that never closes is masked to the text's end; an empty one, and names that are no secrets, are left.
  assert.equal(hits(secretAssignment, '<a><password>s3cret and the rest'), ['s3cret and the rest'])
  assert.equal(hits(secretAssignment, '<password/><SortKey>k</SortKey><NextToken>n</NextToken><passwordPolicy>p</passwordPolicy>'), [])
  assert.equal(hits(secretAssignment, "<add value='v1' name='api_key'/><add key=\"Env\" value=\"prod\"/>"), ['v1'])
  assert.equal(hits(secretAssignment, '<input name="password" id="pw" type="hidden" value="s3"><meta name=\'api-key\' content=\'k1\'><input value="v" class="x" name="db_password"><input name="user" value="u">'), ['s3', 'v', 'k1'])
  // An element keyed by a secret name (Java properties XML, .NET settings): its content, when it closes.
  assert.equal(hits(secretAssignment, '<entry key="db.user">app</entry><entry key="db.password">s3 c</entry><setting name=\'ApiKey\'>k1</setting>'), ['s3 c', 'k1'])
  assert.equal(hits(secretAssignment, '<form><input name="password"><p>hello</p></form>'), [])
  // XML escaped in other text (a JSON string, an SQS body) too.
  assert.equal(hits(secretAssignment, '{"body": "&lt;password&gt;s3&lt;/password&gt;"}'), ['s3'])
})

test('XML elements are read in time linear in the text: unclosed, far-closed and mismatched secret elements', () => {
  for (const text of ['<password><![CDATA['.repeat(50_000), '<token><!-- x -->'.repeat(50_000), '<password>'.repeat(100_000), '<password>'.repeat(100_000) + '</password>', '<a_token>x</b_token>'.repeat(50_000), '<password '.repeat(100_000), '<input name="password">'.repeat(50_000)]) {
    const { value: found, cpuMs } = cpuTimed(() => secretAssignment.find(text))
    assert.ok(cpuMs < 500, `${cpuMs} ms`)
    assert.ok(found.length <= 1)
  }
})

test('INI, TOML and .env values: to the line\'s end, over continuation lines and multi-line strings and arrays', () => {
  assert.equal(hits(secretAssignment, '[db]\npassword = s3cret with spaces\nhost = h\n'), ['s3cret with spaces'])
  assert.equal(hits(secretAssignment, 'PASSWORD=abc def\nexport API_KEY=k1 k2\nNAME=x\n'), ['abc def', 'k1 k2'])
  // dotenv and shell read a double-quoted value over lines (a private key).
  assert.equal(hits(secretAssignment, 'PRIVATE_KEY="-----BEGIN\nline2\n-----END"\nNEXT=1\nexport API_KEY="a\\"b\nc"\n'), ['-----BEGIN\nline2\n-----END', 'a\\"b\nc'])
  assert.equal(hits(secretAssignment, '[db]\npassword = abc\n  def\nhost = h\n'), ['abc\n  def'])
  assert.equal(hits(secretAssignment, 'password = \"\"\"\ns3\ncret\"\"\"\nx = 1\n'), ['\ns3\ncret'])
  assert.equal(hits(secretAssignment, "api_key = '''\nk1\n'''\n"), ['\nk1\n'])
  assert.equal(hits(secretAssignment, 'credentials = [\n  "a",\n"b"\n]\nx = 1\n'), ['[\n  "a",\n"b"\n]'])
})

test('YAML values with a tag or anchor, over several lines, or in a multi-line flow collection', () => {
  assert.equal(hits(secretAssignment, 'password: !!str s3cret\ntoken: &a t1\nx: 1\n'), ['!!str s3cret', '&a t1'])
  assert.equal(hits(secretAssignment, 'api_key: !binary |\n  QUFB\n  QkJC\nx: 1\n'), ['QUFB\n  QkJC'])
  assert.equal(hits(secretAssignment, 'password: &p !!str\n  s3cret\nx: 1\n'), ['s3cret'])
  assert.equal(hits(secretAssignment, 'password: abc\n  def\nx: 1\n'), ['abc\n  def'])
  assert.equal(hits(secretAssignment, 'password: "abc\n  def"\nx: 1\n'), ['abc\n  def'])
  // A quoted value goes on to its closing quote, whatever the indent (YAML reads `abc def`), or to the text's end.
  assert.equal(hits(secretAssignment, "password: \"abc\ndef\"\nx: 1\ntoken: 'a''b\nc'\ny: 2\n"), ['abc\ndef', "a''b\nc"])
  assert.equal(hits(secretAssignment, 'password: "unclosed\nrest\n'), ['unclosed\nrest\n'])
  assert.equal(hits(secretAssignment, 'password: [a,\n  b]\nx: 1\n'), ['[a,\n  b]'])
})

test('finds values paired with a secret name: XML members (either order, siblings between), JSON text, YAML env lists', () => {
  const stacks = '<Parameters><member><ParameterKey>DbPassword</ParameterKey><ParameterValue>cfn-pw</ParameterValue></member><member><ParameterKey>Env</ParameterKey><ParameterValue>prod</ParameterValue></member></Parameters>'
  assert.equal(hits(secretAssignment, stacks), ['cfn-pw'])
  const beanstalk = '<member><Namespace>aws:elasticbeanstalk:application:environment</Namespace><OptionName>API_TOKEN</OptionName><ResourceName>x</ResourceName><Value>eb-tok</Value></member>'
  assert.equal(hits(secretAssignment, beanstalk), ['eb-tok'])
  assert.equal(hits(secretAssignment, '<item><value>tag-pw</value><key>db_password</key></item>'), ['tag-pw'])
  assert.equal(hits(secretAssignment, '{"Tags":[{"Key":"DB_PASSWORD","Value":"json-pw"},{"Value":"j\\"2","Key":"api_key"},{"Key":"team","Value":"web"}]}'), ['json-pw', 'j\\"2'])
  assert.equal(hits(secretAssignment, 'env:\n  - name: DB_PASSWORD\n    value: "yaml pw"\n  - name: LOG_LEVEL\n    value: info\n'), ['yaml pw'])
})

test('JSON and pairs that XML carries escaped (an SQS body, a template) are found and masked in the escaped text', () => {
  const sqs = '<Body>{&quot;user&quot;:&quot;app&quot;,&quot;password&quot;:&quot;p&amp;w\\&#34;d&quot;}</Body>'
  assert.equal(hits(secretAssignment, sqs), ['p&amp;w\\&#34;d'])
  const template = '<TemplateBody>{&quot;Key&quot;:&quot;DB_PASSWORD&quot;,&quot;Value&quot;:&quot;t&#x70;l&quot;}</TemplateBody>'
  assert.equal(hits(secretAssignment, template), ['t&#x70;l'])
  assert.equal(hits(secretAssignment, 'a &amp; b, DB_PASSWORD="x&amp;y"'), ['x&amp;y'])
})

test('JSON text with escaped names (\\u, \\/) is read as a client parses it; an object or array under a quoted secret name is the value whole', () => {
  assert.equal(hits(secretAssignment, 'cb({"pass\\u0077ord":"hunter2","ok":1})'), ['hunter2'])
  assert.equal(hits(secretAssignment, '{"\\u0070\\u0061\\u0073\\u0073\\u0077\\u006f\\u0072\\u0064": "h2"}'), ['h2'])
  assert.equal(hits(secretAssignment, '"pass\\u0077ord": hunter3\n'), ['hunter3'])
  assert.equal(hits(secretAssignment, '{"vault.example.com\\/api-key":"k9"}'), ['k9'])
  assert.equal(hits(secretAssignment, 'cb({"password": {"value": "hunter2 x", "n": [1, "}"]}, "credentials": ["a", "b"], "user": "u"})'), ['{"value": "hunter2 x", "n": [1, "}"]}', '["a", "b"]'])
  assert.equal(hits(secretAssignment, 'log {"token": [{"v": 123} unclosed\nnext line'), ['[{"v": 123} unclosed'])
  assert.equal(hits(secretAssignment, '{"user\\u0073": ["a"], "note": "\\u0041"}'), [])
})

test('YAML whose value under a secret name is on the lines below (a mapping, a list, a block scalar) is found whole; the lines after the block are not', () => {
  assert.equal(hits(secretAssignment, 'db:\n  password:\n    value: hunter2\n    note: x\n  host: db\n'), ['value: hunter2\n    note: x'])
  assert.equal(hits(secretAssignment, 'token:\n- abc\n- def\nother: 1\n'), ['- abc\n- def'])
  assert.equal(hits(secretAssignment, 'password: |\n  hunter2\n  more\n\nnext: 1\n'), ['hunter2\n  more'])
  assert.equal(hits(secretAssignment, 'items:\n  - credentials: >-  # folded\n      line one\n    user: u\n'), ['line one'])
  assert.equal(hits(secretAssignment, 'password:\nuser: u\n'), [])
})

test('YAML flow mappings: a value under a secret name is found up to its comma or brace; braces in prose are no mapping', () => {
  assert.equal(hits(secretAssignment, '{password: abc}'), ['abc'])
  assert.equal(hits(secretAssignment, 'users: [{name: a, password: p w , x: 1}, {token: {a: b}, y: 2}]'), ['p w', '{a: b}'])
  assert.equal(hits(secretAssignment, 'see {a} and, password: x'), [])
  assert.equal(hits(secretAssignment, '{user: u} password: x'), [])
})

test('a key far along a long line with no brace in reach is read as in a flow mapping', () => {
  const line = `{${'a: b, '.repeat(100)}password: hunter2}`
  assert.equal(hits(secretAssignment, line), ['hunter2'])
  const many = `{${'password: x, '.repeat(5000)}}`
  const { value: found, cpuMs } = cpuTimed(() => hits(secretAssignment, many))
  assert.is(found.length, 5000)
  assert.ok(cpuMs < 500, `${cpuMs} ms`)
})

test('a YAML anchor a secret name refers to by an alias is masked where it is written, in flow mappings and through aliases in turn', () => {
  assert.equal(hits(secretAssignment, 'x: &p hunter2\nuser: u\npassword: *p\n'), ['*p', 'hunter2'])
  assert.equal(hits(secretAssignment, 'x: &p # plain\n  hunter2\n  more\ny: 2\ndb:\n  password: *p\n'), ['*p', 'hunter2\n  more'])
  assert.equal(hits(secretAssignment, '{x: &p hunter2, user: u, password: *p}'), ['*p', 'hunter2, user: u, password: *p}'])
  assert.equal(hits(secretAssignment, 'a: &a hunter2\nb: &b [*a, x]\nc: &c other\ntoken:\n  - *b\n'), ['- *b', '[*a, x]', 'hunter2'])
  assert.equal(hits(secretAssignment, 'env:\n  - name: DB_PASSWORD\n    value: *v\nx: &v "q w"\n'), ['*v', '"q w"'])
  // An anchor no secret name refers to stays readable.
  assert.equal(hits(secretAssignment, 'x: &p shared\nuser: *p\npassword: hunter2\n'), ['hunter2'])
})

test('a text holding more anchored values than are read one by one is masked whole', () => {
  const anchors = Array.from({ length: 70 }, (_, i) => `a${i}: &a${i} v${i}`).join('\n')
  const text = `${anchors}\npassword: [${Array.from({ length: 70 }, (_, i) => `*a${i}`).join(', ')}]\n`
  assert.equal(hits(secretAssignment, text).includes(text), true)
})

test('names: last word decides; paging tokens, plain keys and PWD are no secrets', () => {
  for (const name of ['DB_PASSWORD', 'password', 'MasterUserPassword', 'client_secret', 'GITHUB_TOKEN', 'token', 'SessionToken', 'accessToken', 'AWS_SECRET_ACCESS_KEY', 'APIKey', 'x-api-key', 'SMTP_PASS', 'db_pwd', 'GOOGLE_CREDENTIALS', 'APP_KEY']) {
    assert.ok(isSecretName(name), name)
  }
  for (const name of ['PWD', 'pass', 'NextToken', 'nextPageToken', 'ClientToken', 'ContinuationToken', 'progressToken', 'SortKey', 'key', 'PrimaryKey', 'SecretArn', 'secretName', 'PASSWORD_MIN_LENGTH', 'TOKEN_TTL', 'max_tokens', 'keyName', 'bypass']) {
    assert.not.ok(isSecretName(name), name)
  }
})

test('a name with a prefix before a slash (a Kubernetes annotation key) is read by its last word, in JSON text and YAML', () => {
  // kubectl's last-applied annotation holds the object as JSON text: annotation keys in it are prefixed.
  const applied = '{"metadata":{"annotations":{"sweep/db-password":"pw-1","vault.example.com/api-key":"k-2","example.com/owner":"team"}}}'
  assert.equal(hits(secretAssignment, applied), ['pw-1', 'k-2'])
  assert.equal(hits(secretAssignment, 'metadata:\n  annotations:\n    sweep/db-password: pw-3\n    example.com/owner: team\n'), ['pw-3'])
  for (const name of ['sweep/db-password', 'vault.example.com/api-key', 'example.com/client-secret']) assert.ok(isSecretName(name), name)
  for (const name of ['password/length', 'example.com/key', 'tokens/count']) assert.not.ok(isSecretName(name), name)
})

test('ignores prose, comparisons and empty values', () => {
  for (const text of [
    'Forgot your password: click the link below',
    'if password == expected then',
    'NextToken=eyJhbGciOi',
    'PWD=/home/app',
    'DB_PASSWORD=\nDB_PASSWORD=""',
    'the key: value pairs',
    'see https://docs.example.com/password:reset',
    '/items?api_key=[secret]&q=ok', // already masked
  ]) {
    assert.equal(hits(secretAssignment, text), [], text)
  }
})

test('a YAML pair whose value holds a long run of blanks is read in time linear in its length', () => {
  // Before: 16 Ki blanks took ~1.4 s and 64 Ki ~23 s (a row value of the size maskText allows held every session).
  const best = (text: string) => {
    let ms = Infinity
    for (let i = 0; i < 5; i++) ms = Math.min(ms, cpuTimed(() => secretAssignment.find(text)).cpuMs)
    return ms
  }
  const n = 16 * 1024
  const attack = best(`name: password\nvalue: a${' '.repeat(n)}b`)
  const plain = best(`name: password\nvalue: a${'b'.repeat(n)}b`)
  assert.ok(attack < Math.max(5 * plain, 20), `${attack.toFixed(1)} ms with blanks, ${plain.toFixed(1)} ms without`)
  assert.equal(hits(secretAssignment, `name: password\nvalue: "a${' '.repeat(n)}b"  \n`), [`a${' '.repeat(n)}b`])
})

test('JSON objects under secret names that never close, one a line: read in time linear in the text', () => {
  // Before: each was scanned 64 KB ahead; 1 MB of such lines took ~15 s on the thread that masks.
  const best = (text: string) => {
    let ms = Infinity
    let found = 0
    for (let i = 0; i < 3; i++) {
      const run = cpuTimed(() => secretAssignment.find(text).length)
      found = run.value
      ms = Math.min(ms, run.cpuMs)
    }
    return { ms, found }
  }
  const open = best('"password": {"v": 1\n'.repeat(32_000))
  const closed = best('"password": {"v": 1}\n'.repeat(32_000))
  assert.equal([open.found, closed.found], [32_000, 32_000])
  assert.ok(open.ms < Math.max(10 * closed.ms, 300), `${open.ms.toFixed(0)} ms unclosed, ${closed.ms.toFixed(0)} ms closed`)
  // Closed ones are still read whole, over lines, and one read inside a string on its own.
  // The JSON text in the note's string (`"token": [1]` once its escapes are undone) is read too.
  assert.equal(hits(secretAssignment, '"password": {\n  "v": "a"\n}, "note": "x \\"token\\": [1]"'), ['{\n  "v": "a"\n}', '[1]'])
  assert.equal(hits(secretAssignment, 'log "a" "token": ["s1", "s2"] end'), ['["s1", "s2"]'])
})

test('elements of many names keyed by a secret name that never close take linear time; past the budget the rest is masked', () => {
  const text = Array.from({ length: 40000 }, (_, i) => `<e${i} key="db.password">x`).join('') + '<entry key="db.password">hunter2</entry>'
  const { value: found, cpuMs } = cpuTimed(() => secretAssignment.find(text))
  assert.ok(cpuMs < 1000, `${cpuMs} ms`)
  assert.ok(found.some((s) => s.start <= text.indexOf('hunter2') && s.end >= text.indexOf('hunter2') + 7), 'the closed element\'s value is masked')
})

test('XML key, name and value attributes are read in any case: <Entry Key="DB_PASSWORD">, <password Value="…"/>', () => {
  assert.equal(hits(secretAssignment, '<Entry Key="DB_PASSWORD">hunter2</Entry>'), ['hunter2'])
  assert.equal(hits(secretAssignment, '<entry NAME=\'db.password\'>hunter2</entry>'), ['hunter2'])
  assert.equal(hits(secretAssignment, '<password Value="hunter2"/>'), ['hunter2'])
})

test('names written as two words, numbered, or run together as environment variables are secret names', () => {
  for (const name of ['PassWord', 'PASS_WORD', 'pass-word', 'PassPhrase', 'DB_PASSWORD_2', 'password1', 'db_password1', 'PGPASSWORD', 'DBPASSWORD', 'CLIENTSECRET', 'ROOTPASSWD']) {
    assert.ok(isSecretName(name), name)
  }
  for (const name of ['PASSWORD_MIN_LENGTH', 'word', 'catchphrase', 'TOKEN_2_TTL', 'key1', 'bypass2', 'PasswordLastUsed']) assert.not.ok(isSecretName(name), name)
  assert.equal(hits(secretAssignment, 'PGPASSWORD=hunter2\n<PassWord>s3cret</PassWord>\nDB_PASSWORD_2=two'), ['s3cret', 'hunter2', 'two'])
})

test('XML held in JSON text (quotes escaped, as in kubectl\'s last-applied annotation) is read as its parser reads it', () => {
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', data: { 'app.xml': '<entry key="db.password">hunter2</entry><add key="SmtpPassword" value="s3cret"/>' } }
  // The annotation's value, as the JSON masker hands it over once the answer is parsed: the object as JSON text.
  const annotation = JSON.stringify(configMap)
  assert.equal(hits(secretAssignment, annotation).sort(), ['hunter2', 's3cret'])
  // JSON text in a JSON string of a log line: its names and values escaped once more.
  assert.equal(hits(secretAssignment, '{"message": "{\\"password\\": \\"hunter2\\", \\"user\\": \\"bob\\"}"}'), ['hunter2'])
  // An escaped backslash is one character: \\u0041 is a backslash and u0041, not an A.
  assert.equal(hits(secretAssignment, 'x \\\\u0070assword=hunter2'), [])
})

test('XML escaped twice (XML in a message body an XML answer carries) is read with both escapes undone', () => {
  const text = '<Body>&amp;lt;config&amp;gt;&amp;lt;password&amp;gt;hunter2&amp;lt;/password&amp;gt;&amp;lt;/config&amp;gt;</Body>'
  assert.equal(hits(secretAssignment, text), ['hunter2'])
  assert.equal(hits(secretAssignment, '<Body>&amp;quot;api_key&amp;quot;: &amp;quot;k-123&amp;quot;</Body>'), ['k-123'])
})

test.run()
