// The FLCore module; see DESIGN.md §2.
import FLData

