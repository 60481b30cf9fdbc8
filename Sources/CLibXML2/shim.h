#ifndef DSR_CLIBXML2_SHIM_H
#define DSR_CLIBXML2_SHIM_H

// ICU support must be off before the libxml headers are seen: with it on, a module that
// imports both libxml2 and Foundation fails a clean build ("'UErrorCode' has different
// definitions").
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlerror.h>

/// Frees memory libxml2 allocated; Swift 6 refuses to call the `xmlFree` global directly.
static inline void dsr_xmlFree(void *pointer) { xmlFree(pointer); }

#endif
