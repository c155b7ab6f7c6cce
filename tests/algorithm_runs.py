"""Running Processing algorithms from the tests, with a feedback that records warnings."""

from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsVectorLayer


class RecordingFeedback(QgsProcessingFeedback):
    def __init__(self):
        super().__init__()
        self.errors = []

    def reportError(self, error, fatalError=False):
        self.errors.append(error)
        super().reportError(error, fatalError)


def run(algorithm, parameters, context=None, feedback=None):
    """(output layer, result dict) of ``processing.run`` with a fresh context by default."""
    import processing

    context = context or QgsProcessingContext()
    feedback = feedback or QgsProcessingFeedback()
    result = processing.run(algorithm, parameters, context=context, feedback=feedback)
    output = result["OUTPUT"]
    if isinstance(output, str):
        output = QgsVectorLayer(output, "out", "ogr")
    return output, result
