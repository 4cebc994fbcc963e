/** Gender from the ways people write it: 男/女, M/F, male/female, 先生/女士/小姐, Mr/Ms… */
import type { Gender } from '../model.ts';

const MALE = new Set(['男', '男性', '男士', '先生', '公', 'm', 'male', 'man', 'boy', 'mr', 'mr.', 'he', 'him', '♂', '帥哥', '帅哥', '男生']);
const FEMALE = new Set(['女', '女性', '女士', '小姐', '太太', '夫人', '母', 'f', 'female', 'woman', 'girl', 'mrs', 'mrs.', 'ms', 'ms.', 'miss', 'she', 'her', '♀', '美女', '女生']);

export function parseGender(raw: unknown): Gender | undefined {
  if (raw == null) return undefined;
  const s = String(raw).normalize('NFKC').trim().toLowerCase();
  if (!s) return undefined;
  if (MALE.has(s)) return 'M';
  if (FEMALE.has(s)) return 'F';
  return undefined;
}
