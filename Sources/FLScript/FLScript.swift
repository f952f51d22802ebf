// The FLScript module; see DESIGN.md §2.
import FLCore

