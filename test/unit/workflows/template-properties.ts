/**
 * The shape of a starter template's `.properties.json`, as GitHub reads it for an organization's
 * workflow templates: name, description, iconName (an SVG beside the template or `octicon <name>`),
 * categories, and optional filePatterns (regular expressions) and creator.
 */
import { z } from 'zod';

export const templateProperties = z.strictObject({
  name: z.string().trim().min(1).max(80),
  description: z.string().trim().min(1).max(300),
  iconName: z.string().regex(/^(octicon [a-z0-9-]+|[A-Za-z0-9_-]+)$/),
  categories: z.array(z.string().trim().min(1)).min(1),
  filePatterns: z
    .array(
      z.string().refine((pattern) => {
        try {
          new RegExp(pattern);
          return true;
        } catch {
          return false;
        }
      }, 'not a regular expression'),
    )
    .optional(),
  creator: z.string().min(1).optional(),
});

export type TemplateProperties = z.infer<typeof templateProperties>;
