/*
 * Lookup of the shipped templates (see templates.h). The data arrays live in templates_data.c.
 */
#include "templates.h"

#include <string.h>

extern const struct reference_keyword_templates reference_shipped_templates[];
extern const int reference_shipped_template_count;
extern const char reference_shipped_keyword_list[];

const struct reference_keyword_templates *reference_templates_for(const char *keyword)
{
    for (int i = 0; i < reference_shipped_template_count; i++)
        if (strcmp(reference_shipped_templates[i].keyword, keyword) == 0)
            return &reference_shipped_templates[i];
    return NULL;
}

const char *reference_template_keywords(void)
{
    return reference_shipped_keyword_list;
}
