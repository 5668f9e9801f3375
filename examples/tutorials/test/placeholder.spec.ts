import { expect } from 'chai';
describe('tutorials placeholder', () => { it('builds', () => expect(true).to.equal(true)); });
