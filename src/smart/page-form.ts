// Reading the pages' form posts: application/x-www-form-urlencoded bodies arrive as FormBody (see
// json-body.parser); anything else counts as an empty form, which then fails its CSRF check.
import { FormBody } from '../http/json-body.parser';

export class PageForm {
  private constructor(private readonly params: Record<string, string[]>) {}

  static of(body: unknown): PageForm {
    return new PageForm(body instanceof FormBody ? body.params : {});
  }

  /** The first value of a field, or ''. */
  field(name: string): string {
    return this.params[name]?.[0] ?? '';
  }

  /** Every value of a repeated field (ticked checkboxes). */
  all(name: string): string[] {
    return this.params[name] ?? [];
  }
}
