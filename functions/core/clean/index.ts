/** The cleaning and standardization engine (issue 3): one import for every caller. */
export {
  parsePhone,
  splitPhones,
  configurePhoneCache,
  clearPhoneCache,
  phoneCacheSize,
  cnNumberType,
  PHONE_PROBLEMS,
  type PhoneResult,
  type PhoneType,
  type PhoneLocation,
  type PhoneContext,
  type PhoneProblemCode,
  type CountryCode,
} from './phone.ts';
export { cleanName, type CleanName } from './name.ts';
export { cleanEmail, EMAIL_PROBLEMS, type EmailProblemCode } from './email.ts';
export { parseDate, DATE_PROBLEMS, type DateOrder, type DateProblemCode } from './date.ts';
export { parseGender } from './gender.ts';
export { parseAddress, addressParts, normalizeProvince, normalizeCity, provinceOfCity, localPlace, type ParsedAddress, type AddressParts } from './address.ts';
export { cleanIdentity, describesSomeone, RECORD_PROBLEMS, type CleanContext, type CleanIdentityResult, type FieldProblem } from './record.ts';
export { PROVINCES, type ProvinceInfo } from './cn-regions.ts';
export { numberFacts, type NumberFacts } from './number-facts.ts';
