/**
 * EventBridge Scheduler schedules from the template, fired locally with croner in the schedule's
 * own time zone. Only state-machine targets exist in the stack.
 */
import { Cron } from 'croner';
import { resolve, resourcesOfType, type Template } from './template.ts';

export interface ScheduleSpec {
  name: string;
  expression: string;
  timezone?: string;
  targetArn: string;
  input?: string;
}

export function scheduleSpecs(template: Template): ScheduleSpec[] {
  return resourcesOfType(template, 'AWS::Scheduler::Schedule').map(([logicalId, resource]) => {
    const p = resolve(template, resource.Properties ?? {});
    return { name: logicalId, expression: p.ScheduleExpression, timezone: p.ScheduleExpressionTimezone, targetArn: p.Target.Arn, input: p.Target.Input };
  });
}

const AWS_WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/**
 * AWS cron has six fields (minutes hours day-of-month month day-of-week year), `?` for "any",
 * and numbers its weekdays 1 (Sunday) to 7; croner wants five fields numbered 0 to 6.
 */
export function toCronPattern(expression: string): string {
  const m = /^cron\((.+)\)$/.exec(expression.trim());
  if (!m) throw new Error(`not a cron expression: ${expression}`);
  const [min, hour, dom, month, dow] = m[1].trim().split(/\s+/);
  const weekday = dow.replace(/\d/g, (d) => AWS_WEEKDAYS[Number(d) - 1] ?? d);
  return [min, hour, dom, month, weekday].map((f) => (f === '?' ? '*' : f)).join(' ');
}

const RATE_UNITS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export function startSchedules(specs: ScheduleSpec[], fire: (spec: ScheduleSpec) => void): () => void {
  const stops: Array<() => void> = [];
  for (const spec of specs) {
    const rate = /^rate\((\d+)\s+(minute|hour|day)s?\)$/.exec(spec.expression.trim());
    if (rate) {
      const timer = setInterval(() => fire(spec), Number(rate[1]) * RATE_UNITS[rate[2]]);
      timer.unref();
      stops.push(() => clearInterval(timer));
    } else {
      const job = new Cron(toCronPattern(spec.expression), { timezone: spec.timezone, unref: true }, () => fire(spec));
      stops.push(() => job.stop());
    }
  }
  return () => stops.forEach((s) => s());
}
