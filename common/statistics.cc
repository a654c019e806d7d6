#include "common/statistics.h"
// placeholder: implemented by the agent-side helper
