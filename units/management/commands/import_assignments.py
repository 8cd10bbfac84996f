from villages.management.commands.import_roster import BatchImportCommand
from villages.models import ImportBatch


class Command(BatchImportCommand):
    help = (
        "Import which cadre links which household (.xlsx, .xls, .csv, or an XML or HTML Excel "
        "export), city-wide or for a "
        "village, township or county, as the user named by --by (within their area) or, "
        "without it, as the system for the whole city; recorded in the audit trail with the "
        "operating-system user."
    )
    kind = ImportBatch.Kind.ASSIGNMENTS
    option_flags = {
        "reassign_households": (
            "--reassign",
            "end a household's assignment to another cadre and link it to the cadre in the file",
        ),
        "over_maximum": (
            "--over-maximum",
            "link cadres to more households than ASSIGNMENT_MAX_PER_CADRE instead of rejecting "
            "their rows (recorded in the audit trail)",
        ),
    }
