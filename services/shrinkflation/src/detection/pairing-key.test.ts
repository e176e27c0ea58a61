import { describe, expect, it } from 'vitest';
import { gtinCompanyPrefix, pairingKey } from './pairing-key.js';

describe('pairingKey', () => {
  it('keys a relabelled pack like the old one', () => {
    expect(pairingKey('NEW Crunchy Oat Cereal, 14.5oz', 'Oatly Farms')).toBe(
      pairingKey('Crunchy Oat Cereal 16 oz', 'Oatly Farms'),
    );
    expect(pairingKey('Oatly Farms Cereal Crunchy Oat (family size) 2 x 500 g', 'OATLY FARMS')).toBe(
      'oatly farms|cereal crunchy oat',
    );
  });

  it('ignores accents and punctuation but keeps different products apart', () => {
    expect(pairingKey('Café Crème 250g', 'Bonjour')).toBe(pairingKey('Cafe Creme', 'bonjour'));
    expect(pairingKey('Honey Oat Cereal', 'Oatly Farms')).not.toBe(
      pairingKey('Crunchy Oat Cereal', 'Oatly Farms'),
    );
  });

  it('gives no key without a brand or without a name left', () => {
    expect(pairingKey('Crunchy Oat Cereal', undefined)).toBeUndefined();
    expect(pairingKey('Oatly Farms 16 oz', 'Oatly Farms')).toBeUndefined();
  });
});

describe('gtinCompanyPrefix', () => {
  it('compares GTIN-12, -13 and -14 forms of one company alike', () => {
    expect(gtinCompanyPrefix('012345600011')).toBe(gtinCompanyPrefix('0012345600028'));
    expect(gtinCompanyPrefix(undefined)).toBeUndefined();
  });
});
