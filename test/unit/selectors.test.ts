import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError } from '../../src/api/selectors.js';

const labels = { app: 'web', tier: 'front', n: '5' };

test('label selectors: every operator of the full syntax', () => {
  const cases: [string, boolean][] = [
    ['app=web', true], ['app==web', true], ['app!=web', false], ['app!=db', true],
    ['app in (web,db)', true], ['app in (db)', false], ['app notin (db)', true], ['app notin (web)', false],
    ['tier', true], ['missing', false], ['!missing', true], ['!tier', false],
    ['app=web,tier=front', true], ['app=web,tier=back', false], ['n>4', true], ['n<5', false],
    ['missing!=x', true], ['missing notin (x)', true], ['', true], [' app = web , tier ', true],
  ];
  for (const [sel, want] of cases) assert.equal(matchesLabels(parseLabelSelector(sel), labels), want, sel);
});

test('label selectors: syntax errors are reported', () => {
  for (const bad of ['app in web', 'app in (', 'app=web,', 'a b', 'app in ()', 'Bad Key=1', 'app=in valid']) {
    assert.throws(() => parseLabelSelector(bad), SelectorError, bad);
  }
});

test('field selectors: =, ==, != and empty values, in any term order', () => {
  const fields = { 'metadata.name': 'web', 'spec.nodeName': '', 'status.phase': 'Running' };
  assert.equal(matchesFields(parseFieldSelector('metadata.name=web'), fields), true);
  assert.equal(matchesFields(parseFieldSelector('metadata.name==web'), fields), true);
  assert.equal(matchesFields(parseFieldSelector('status.phase!=Failed,status.phase!=Succeeded'), fields), true);
  assert.equal(matchesFields(parseFieldSelector('spec.nodeName='), fields), true);
  assert.equal(matchesFields(parseFieldSelector('spec.nodeName=node-1'), fields), false);
  assert.deepEqual(parseFieldSelector('a=x\\,y'), [{ field: 'a', operator: '=', value: 'x,y' }]);
  assert.throws(() => parseFieldSelector('novalue'), SelectorError);
});
