import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRequest, ExecCreateRequest, NetworkConnectRequest, NetworkCreateRequest, UpdateConfig, VolumeCreateRequest, decode, parseJson } from './index.js';

const refuses = (schema: Parameters<typeof decode>[0], body: unknown, message: string): void => {
  assert.throws(() => decode(schema, body), (err: Error & { kind?: string }) => {
    assert.equal(err.kind, 'InvalidArgument');
    assert.equal(err.message, message);
    return true;
  });
};

test('wrong JSON types get Go 1.24 json.UnmarshalTypeError messages, with embedded structs in the path', () => {
  refuses(CreateRequest, { HostConfig: { Memory: 'x' } }, 'invalid JSON: json: cannot unmarshal string into Go struct field HostConfig.HostConfig.Resources.Memory of type int64');
  refuses(CreateRequest, { Image: 5 }, 'invalid JSON: json: cannot unmarshal number into Go struct field CreateRequest.Config.Image of type string');
  refuses(CreateRequest, { Tty: 'yes' }, 'invalid JSON: json: cannot unmarshal string into Go struct field CreateRequest.Config.Tty of type bool');
  refuses(CreateRequest, { HostConfig: 'x' }, 'invalid JSON: json: cannot unmarshal string into Go struct field CreateRequest.HostConfig of type container.HostConfig');
  refuses(CreateRequest, [], 'invalid JSON: json: cannot unmarshal array into Go value of type container.CreateRequest');
  refuses(CreateRequest, { HostConfig: { PortBindings: { '80/tcp': [{ HostPort: 80 }] } } }, 'invalid JSON: json: cannot unmarshal number into Go struct field PortBinding.HostConfig.PortBindings.HostPort of type string');
  refuses(CreateRequest, { ExposedPorts: { '80/tcp': 'x' } }, 'invalid JSON: json: cannot unmarshal string into Go struct field CreateRequest.Config.ExposedPorts of type struct {}');
  refuses(CreateRequest, { NetworkingConfig: { EndpointsConfig: { n: { IPAMConfig: { IPv4Address: 1 } } } } }, 'invalid JSON: json: cannot unmarshal number into Go struct field EndpointIPAMConfig.NetworkingConfig.EndpointsConfig.IPAMConfig.IPv4Address of type string');
  refuses(UpdateConfig, { Memory: true }, 'invalid JSON: json: cannot unmarshal bool into Go struct field UpdateConfig.Resources.Memory of type int64');
  refuses(ExecCreateRequest, { Cmd: 'ls' }, 'invalid JSON: json: cannot unmarshal string into Go struct field ExecOptions.Cmd of type []string');
  refuses(NetworkCreateRequest, { Internal: 'no' }, 'invalid JSON: json: cannot unmarshal string into Go struct field CreateRequest.CreateOptions.Internal of type bool');
  refuses(NetworkConnectRequest, { Container: ['a'] }, 'invalid JSON: json: cannot unmarshal array into Go struct field ConnectOptions.Container of type string');
  refuses(VolumeCreateRequest, { Labels: { a: 1 } }, 'invalid JSON: json: cannot unmarshal number into Go struct field CreateOptions.Labels of type string');
});

test('numbers that do not fit the Go type are named with their value', () => {
  refuses(CreateRequest, { HostConfig: { BlkioWeight: -1 } }, 'invalid JSON: json: cannot unmarshal number -1 into Go struct field HostConfig.HostConfig.Resources.BlkioWeight of type uint16');
  refuses(CreateRequest, { HostConfig: { BlkioWeight: 70000 } }, 'invalid JSON: json: cannot unmarshal number 70000 into Go struct field HostConfig.HostConfig.Resources.BlkioWeight of type uint16');
  refuses(CreateRequest, { HostConfig: { CpuShares: 1.5 } }, 'invalid JSON: json: cannot unmarshal number 1.5 into Go struct field HostConfig.HostConfig.Resources.CpuShares of type int64');
  refuses(CreateRequest, { HostConfig: { ConsoleSize: [1, -1] } }, 'invalid JSON: json: cannot unmarshal number -1 into Go struct field HostConfig.HostConfig.ConsoleSize of type uint');
  refuses(CreateRequest, { StopTimeout: '3' }, 'invalid JSON: json: cannot unmarshal string into Go struct field CreateRequest.Config.StopTimeout of type int');
});

test('StrSlice takes a string or a list of strings; anything else fails as a string', () => {
  assert.deepEqual(decode(CreateRequest, { Cmd: 'sh' }).Cmd, 'sh');
  assert.deepEqual(decode(CreateRequest, { Cmd: ['sh', '-c'] }).Cmd, ['sh', '-c']);
  refuses(CreateRequest, { Cmd: ['a', 1] }, 'invalid JSON: json: cannot unmarshal array into Go struct field CreateRequest.Config.Cmd of type string');
  refuses(CreateRequest, { HostConfig: { CapAdd: 7 } }, 'invalid JSON: json: cannot unmarshal number into Go struct field HostConfig.HostConfig.CapAdd of type string');
});

test('as Go: keys match case-insensitively (exact wins), null leaves a field unset, unknown fields are ignored', () => {
  const body = decode(CreateRequest, { image: 'busybox', hostconfig: { memory: 5, Memory: 6 }, Healthcheck: null, Labels: { a: null }, Env: ['A=1', null], Unknown: { x: 1 } });
  assert.deepEqual(body, { Image: 'busybox', HostConfig: { Memory: 6 }, Labels: { a: '' }, Env: ['A=1', ''], Unknown: { x: 1 } });
});

test('JSON syntax errors get Go decoder wording', () => {
  const msg = (text: string): string => {
    try {
      parseJson(text);
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };
  assert.equal(msg('x'), "invalid JSON: invalid character 'x' looking for beginning of value");
  assert.equal(msg('{"a":1} x'), 'unexpected content after JSON');
  assert.equal(msg('{"a":'), 'invalid JSON: unexpected EOF');
  assert.equal(msg('{"a": 1,'), 'invalid JSON: unexpected EOF');
  assert.equal(msg('  '), 'invalid JSON: EOF');
});
